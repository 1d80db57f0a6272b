"""The training calls a UDA method makes on a segmentor (the UDA seam).

Every segmentor of the package (and a plug-in built on them) exposes:

- :meth:`ClipTrainingMixin.clip_logits`: logits of the first F frames of
  each clip, computed the way the segmentor computes them (per frame, from
  propagated key-frame features, from distributed sub-networks, ...);
- :meth:`ClipTrainingMixin.logit_losses`: its supervised losses on those
  logits (labels of the key frame, frame 0);
- :meth:`ClipTrainingMixin.clip_losses`: its extra training losses that need
  the clip itself (teacher distillation, temporal consistency); ``{}`` for
  most;
- :attr:`ClipTrainingMixin.clip_sampling`: how it wants clips sampled
  (:class:`ClipSampling`), checked against the samples' ``frame_offsets``.

A segmentor's own ``loss`` is ``logit_losses(clip_logits(clips, 1)) +
clip_losses(...)``, so a UDA method that calls these trains it as it trains
itself. Keys of the logits dict other than ``'seg'`` and ``'aux'`` belong to
the segmentor (e.g. DFF's current-frame logits for its frame loss): a UDA
method reads ``'seg'``/``'aux'`` only and hands the dict back unchanged.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Union

import torch
from mmseg.utils import SampleList, add_prefix

Offsets = Sequence[Union[int, Sequence[int]]]


def seam_refusal(owner, call: str, why: str) -> NotImplementedError:
    """The error of a segmentor that cannot serve ``call`` of the UDA seam."""
    name = owner if isinstance(owner, str) else type(owner).__name__
    return NotImplementedError(f'{name} cannot serve {call} (the UDA <-> '
                               f'segmentor seam): {why}')


@dataclass(frozen=True)
class ClipSampling:
    """How a segmentor wants its training clips sampled.

    For a request of F frames the clip needs
    ``max(F + extra_frames, min_frames)`` frames.

    Args:
        owner: the segmentor's type name (for error messages).
        extra_frames: frames needed after the F frames segmented (DFF and
            Accel: 1, the key frame, last in the clip; TDNet: P - 1 earlier
            frames).
        min_frames: frames needed whatever F (TCD: 2, the previous frame).
        consecutive: leading frames whose offsets must be 0, -1, -2, ...
            (offsets clamped at a video's start, e.g. [0, -1, -1], pass);
            -1 = every frame needed (TDNet), 0 = none.
        description: one line for humans, shown in errors.
    """
    owner: str
    extra_frames: int = 0
    min_frames: int = 1
    consecutive: int = 0
    description: str = 'any frames; frame j of the clip is segmented alone'

    def frames_needed(self, num_frames: int) -> int:
        """T, the clip length needed to segment F = ``num_frames`` frames."""
        return max(num_frames + self.extra_frames, self.min_frames)

    def check(self, frame_offsets: Offsets, num_frames: int,
              where: str = '') -> None:
        """Refuse ``frame_offsets`` (a dataset's, entries int or [lo, hi]
        ranges, or a sample's realized ints) that do not fit F frames."""
        offsets = list(frame_offsets)
        need = self.frames_needed(num_frames)
        at = f' ({where})' if where else ''
        if len(offsets) < need:
            raise ValueError(
                f'{self.owner} segments {num_frames} frame(s) of a clip from '
                f'{need} frames ({self.description}); frame_offsets '
                f'{offsets}{at} has {len(offsets)}')
        num = need if self.consecutive < 0 else self.consecutive
        if num == 0:
            return
        want = [-j for j in range(num)]
        got = offsets[:num]
        if any(not isinstance(o, int) for o in got):
            raise ValueError(f'{self.owner} needs frame_offsets starting '
                             f'{want} ({self.description}), got ranges in '
                             f'{offsets}{at}')
        lowest = min(got)
        if got != [max(o, lowest) for o in want]:
            raise ValueError(f'{self.owner} needs frame_offsets starting '
                             f'{want} ({self.description}), got '
                             f'{offsets}{at}')


def first_aux_head(segmentor) -> Optional[torch.nn.Module]:
    """The (first) auxiliary head of an EncoderDecoder, or None."""
    if not getattr(segmentor, 'with_auxiliary_head', False):
        return None
    aux = segmentor.auxiliary_head
    return aux[0] if isinstance(aux, torch.nn.ModuleList) else aux


class ClipTrainingMixin:
    """Default UDA-seam calls of an encoder-decoder segmentor run per frame.

    Subclasses (video segmentors) override what they compute differently;
    the defaults need ``extract_feat`` and ``decode_head`` (mmseg's
    EncoderDecoder) and refuse by name otherwise.
    """

    @property
    def clip_sampling(self) -> ClipSampling:
        """How this segmentor wants training clips sampled."""
        return ClipSampling(owner=type(self).__name__)

    def check_clip_sampling(self, data_samples: Optional[SampleList],
                            num_frames: int) -> None:
        """Refuse samples whose ``frame_offsets`` metainfo does not fit."""
        sampling = self.clip_sampling
        for s in data_samples or []:
            offsets = s.metainfo.get('frame_offsets')
            if offsets is not None:
                sampling.check(offsets, num_frames,
                               where=str(s.metainfo.get('img_path', '')))

    def clip_input(self, clips: torch.Tensor, num_frames: int,
                   call: str = 'clip_logits') -> torch.Tensor:
        """Validate N x T x C x H x W ``clips`` for ``num_frames`` frames."""
        if clips.dim() != 5:
            raise ValueError(f'{type(self).__name__}.{call} takes clips '
                             f'N x T x C x H x W, got {tuple(clips.shape)}')
        # (min_frames is for the clip's extra losses, not for its logits)
        need = num_frames + self.clip_sampling.extra_frames
        if num_frames < 1 or clips.shape[1] < need:
            raise ValueError(
                f'{num_frames} frames requested from clips of '
                f'{clips.shape[1]} frames; {type(self).__name__} needs '
                f'{need} ({self.clip_sampling.description}): set '
                'frame_offsets in the dataset')
        return clips

    def clip_logits(self, clips: torch.Tensor, num_frames: int,
                    with_aux: bool = False) -> Dict[str, torch.Tensor]:
        """Logits of the first ``num_frames`` frames of each clip.

        Args:
            clips: N x T x C x H x W, normalized, key frame first
                (T >= F + ``clip_sampling.extra_frames``).
            num_frames: F, frames segmented.
            with_aux: add the auxiliary head's logits when there is one.

        Returns:
            dict: 'seg' N x F x K x h x w (decoder resolution, frame 0 = key
            frame), 'aux' likewise when asked and present, and entries of
            the segmentor's own (hand them back to its loss calls).
        """
        if not (hasattr(self, 'extract_feat')
                and hasattr(self, 'decode_head')):
            raise seam_refusal(self, 'clip_logits',
                               'no extract_feat/decode_head to run per frame')
        clips = self.clip_input(clips, num_frames)
        n = clips.shape[0]
        flat = clips[:, :num_frames].flatten(0, 1)
        out = self.frame_head_outputs(self.extract_feat(flat), with_aux)
        return unflatten_frames(out, n, num_frames)

    def frame_head_outputs(self, feats: Sequence[torch.Tensor],
                           with_aux: bool) -> Dict[str, torch.Tensor]:
        """Heads on a batch of frame features: 'seg' (and 'aux'),
        B x K x h x w."""
        out = {'seg': self.decode_head.forward(feats)}
        aux = first_aux_head(self)
        if with_aux and aux is not None:
            out['aux'] = aux.forward(feats)
        return out

    def logit_losses(self, logits: Dict[str, torch.Tensor],
                     data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Supervised losses of the key frame (frame 0) of ``logits``.

        Args:
            logits: a :meth:`clip_logits` dict.
            data_samples: the clips' samples (``gt_sem_seg`` of frame 0).

        Returns:
            'decode.*' (decode head on 'seg'), 'aux.*' (first auxiliary head
            on 'aux', when present), plus the segmentor's label losses on its
            own entries.
        """
        if not hasattr(self, 'decode_head'):
            raise seam_refusal(self, 'logit_losses', 'no decode_head')
        losses = add_prefix(
            self.decode_head.loss_by_feat(logits['seg'][:, 0], data_samples),
            'decode')
        aux = first_aux_head(self)
        if 'aux' in logits and aux is not None:
            losses.update(add_prefix(
                aux.loss_by_feat(logits['aux'][:, 0], data_samples), 'aux'))
        return losses

    def clip_losses(self, clips: torch.Tensor,
                    logits: Dict[str, torch.Tensor],
                    data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Extra training losses that need the clip (none by default).

        Args:
            clips: the N x T x C x H x W clips ``logits`` came from.
            logits: their :meth:`clip_logits` dict.
            data_samples: the clips' samples (flow, metainfo).
        """
        return {}


def unflatten_frames(out: Dict[str, torch.Tensor], n: int,
                     num_frames: int) -> Dict[str, torch.Tensor]:
    """(N*F) x ... tensors -> N x F x ... (frame-major within each clip)."""
    return {k: v.view(n, num_frames, *v.shape[1:]) for k, v in out.items()}


def repeat_per_frame(x: torch.Tensor, num_frames: int) -> torch.Tensor:
    """N x ... -> (N*F) x ...: each clip's tensor for each of its F frames."""
    return x.repeat_interleave(num_frames, dim=0) if num_frames > 1 else x


__all__ = [
    'ClipSampling', 'ClipTrainingMixin', 'first_aux_head', 'repeat_per_frame',
    'seam_refusal', 'unflatten_frames'
]
