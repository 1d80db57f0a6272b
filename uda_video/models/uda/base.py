"""The UDA decorator seam: a model that wraps any segmentor.

Evaluation (``predict``/``tensor`` modes, ``val_step``/``test_step``) calls
straight through to the wrapped segmentor; the wrapper owns ``train_step`` and
optimises named submodules with an mmengine ``OptimWrapperDict`` whose keys
are submodule names (``segmentor``, ``discriminator``, ...), so every
optimizer state is in the checkpoint.

Training batches come from ``UDADataset``: ``dict(source=clip_batch,
target=clip_batch)``, each ``dict(inputs=[T x 3 x H x W, ...],
data_samples=[SegDataSample, ...])`` (docs/conventions.md).
"""
from typing import Dict, Optional, Tuple, Union

import torch
from mmengine.config import ConfigDict
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.utils import OptSampleList, SampleList

from uda_video.registry import MODELS
from ..losses.utils import scale_losses
from ..segmentors.base_video import clip_frames

ConfigType = Union[dict, ConfigDict]


def sub_wrapper(optim_wrapper: Union[OptimWrapper, OptimWrapperDict],
                name: str) -> OptimWrapper:
    """The optim wrapper of submodule ``name`` (a plain wrapper is itself)."""
    if isinstance(optim_wrapper, OptimWrapperDict):
        if name not in optim_wrapper:
            raise KeyError(f'optim_wrapper has no entry {name!r}; configure '
                           f'optim_wrapper.{name} (have: '
                           f'{list(optim_wrapper.keys())})')
        return optim_wrapper[name]
    if name != 'segmentor':
        raise TypeError(f'training {name!r} needs an OptimWrapperDict '
                        '(optim_wrapper=dict(constructor='
                        "'NamedModulesOptimWrapperConstructor', ...))")
    return optim_wrapper


def frozen(module: torch.nn.Module):
    """Context manager: ``module``'s parameters get no gradient inside."""

    class _Frozen:

        def __enter__(self):
            self.flags = [p.requires_grad for p in module.parameters()]
            for p in module.parameters():
                p.requires_grad_(False)

        def __exit__(self, *exc):
            for p, flag in zip(module.parameters(), self.flags):
                p.requires_grad_(flag)

    return _Frozen()


@MODELS.register_module()
class UDASegmentor(BaseModel):
    """Source-only training in the UDA framework (the base of every method).

    Args:
        segmentor: config of the wrapped segmentor (an EncoderDecoder; video
            segmentors with ``frame_logits`` are used for clips).
        source_loss_weight: weight of the supervised source loss.
        data_preprocessor: optional preprocessor config (the Runner passes a
            top-level ``data_preprocessor``); default: the segmentor's.
        init_cfg: mmengine init config.
    """

    def __init__(self, segmentor: ConfigType,
                 source_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.segmentor = MODELS.build(segmentor)
        if data_preprocessor is None:
            # One preprocessor: the segmentor's (clips and images alike).
            self.data_preprocessor = self.segmentor.data_preprocessor
        self.source_loss_weight = source_loss_weight

    # ---- evaluation: straight through to the segmentor ------------------
    def forward(self, inputs: torch.Tensor, data_samples: OptSampleList = None,
                mode: str = 'tensor'):
        if mode == 'predict':
            return self.segmentor.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.segmentor._forward(inputs, data_samples)
        if mode == 'loss':
            return self.segmentor.loss(inputs, data_samples)
        raise ValueError(f'Invalid mode "{mode}"')

    # ---- helpers ----------------------------------------------------------
    def preprocess(self, data: dict, name: str) -> Tuple[torch.Tensor,
                                                         SampleList]:
        """Normalise ``data[name]`` (a collated clip batch) for training."""
        if name not in data:
            raise KeyError(f'UDA training batches need key {name!r} '
                           '(use UDADataset); got keys '
                           f'{sorted(data.keys())}')
        out = self.data_preprocessor(data[name], True)
        return clip_frames(out['inputs']), out['data_samples']

    def frame_outputs(self, clips: torch.Tensor, num_frames: int,
                      with_aux: bool = False) -> Dict[str, torch.Tensor]:
        """Decoder outputs of the first ``num_frames`` frames of each clip.

        Args:
            clips: N x T x C x H x W (key frame first).

        Returns:
            dict with 'seg' (and 'aux' when asked and present): N x F x K x h x w
            logits at the decoder's resolution.
        """
        seg = self.segmentor
        n, t = clips.shape[:2]
        if num_frames > t:
            raise ValueError(f'{num_frames} frames requested from clips of '
                             f'{t} frames; set frame_offsets in the dataset')
        flat = clips[:, :num_frames].flatten(0, 1)
        feats = seg.extract_feat(flat)
        out = {'seg': seg.decode_head.forward(feats)}
        if with_aux and getattr(seg, 'with_auxiliary_head', False):
            aux = seg.auxiliary_head
            aux = aux[0] if isinstance(aux, torch.nn.ModuleList) else aux
            out['aux'] = aux.forward(feats)
        return {
            k: v.view(n, num_frames, *v.shape[1:])
            for k, v in out.items()
        }

    def supervised_losses(self, logits: Dict[str, torch.Tensor],
                          data_samples: SampleList,
                          prefix: str = 'src') -> Dict[str, torch.Tensor]:
        """mmseg's decode (and auxiliary) losses on the key frame's logits."""
        seg = self.segmentor
        losses = {}
        for name, value in seg.decode_head.loss_by_feat(
                logits['seg'][:, 0], data_samples).items():
            losses[f'{prefix}.decode.{name}'] = value
        if 'aux' in logits:
            aux = seg.auxiliary_head
            aux = aux[0] if isinstance(aux, torch.nn.ModuleList) else aux
            for name, value in aux.loss_by_feat(logits['aux'][:, 0],
                                                data_samples).items():
                losses[f'{prefix}.aux.{name}'] = value
        return losses

    def scaled(self, losses: Dict[str, torch.Tensor],
               weight: float) -> Dict[str, torch.Tensor]:
        """Multiply every loss term (keys containing 'loss') by ``weight``."""
        return scale_losses(losses, weight)

    def update(self, optim_wrapper: OptimWrapper,
               losses: Dict[str, torch.Tensor],
               tag: Optional[str] = None) -> Dict[str, torch.Tensor]:
        """Parse, backward and step one optim wrapper; return its log vars.

        The total is logged as 'loss', or as '{tag}.loss' when ``tag`` is given.
        """
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(loss)
        if tag is not None:
            log_vars[f'{tag}.loss'] = log_vars.pop('loss')
        return log_vars

    # ---- training ---------------------------------------------------------
    def source_step(self, data: dict, with_aux: bool = False
                    ) -> Tuple[Dict[str, torch.Tensor], torch.Tensor]:
        """Supervised source losses (weighted) and the source clip logits."""
        clips, samples = self.preprocess(data, 'source')
        logits = self.frame_outputs(clips, 1, with_aux=with_aux)
        losses = self.supervised_losses(logits, samples)
        return self.scaled(losses, self.source_loss_weight), logits

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, torch.Tensor]:
        seg_wrapper = sub_wrapper(optim_wrapper, 'segmentor')
        with seg_wrapper.optim_context(self.segmentor):
            losses, _ = self.source_step(data, with_aux=True)
        return self.update(seg_wrapper, losses)

