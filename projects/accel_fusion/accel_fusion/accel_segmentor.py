"""Accel-style video segmentor: a deep reference branch on key frames, its
scores warped by optical flow to every frame and fused with the scores of a
light update branch run on the current frame."""
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from mmseg.utils import (ConfigType, OptConfigType, OptSampleList,
                         SampleList)

from uda_video.models.flow import FlowSourceOwner, build_flow_source
from uda_video.models.segmentors import (ClipSampling,
                                         StatefulVideoSegmentor, clip_frames,
                                         key_last_pairs, key_last_sampling,
                                         repeat_per_frame, unflatten_frames)
from uda_video.registry import MODELS

from .fusion import warp_scores


@MODELS.register_module()
class AccelSegmentor(FlowSourceOwner, StatefulVideoSegmentor):
    """Reference branch (``backbone`` + ``decode_head``) on key frames, update
    branch (``update_backbone`` + ``update_head``) on every frame, fused by
    ``fusion`` after warping the key scores with ``flow_source``.

    Training takes (current, key) clips, ``frame_offsets=[0, [-g, 0]]``: the
    key scores are warped to the current frame, fused with the current
    frame's update scores, and the decode head's loss is applied to the fused
    scores (plus the update head's own loss, weighted by its loss config).
    At test time frames arrive one by one (VideoSampler, batch size 1); the
    key frame's scores are cached per video and recomputed on the key frames
    of the base's schedule (``test_cfg.key_frame_interval``, optional
    ``key_frame_phase``).

    Args:
        backbone, decode_head: mmseg's EncoderDecoder arguments for the
            reference branch.
        update_backbone: the light current-frame backbone.
        update_head: its decode head (same ``num_classes``).
        flow_source: a flow source (e.g. ``dict(type='FlowNetS')``); its
            ``estimate(cur, key)`` is the flow cur -> key on its own grid
            (docs/conventions.md). The old key ``flow_net`` is translated and
            checkpoints with ``flow_net.*`` keys load.
        fusion: a :class:`ScoreFusion` config.
        flow_input_scale: frames are resized by this factor for the flow net.
        **kwargs: the other arguments of ``StatefulVideoSegmentor`` (neck,
            auxiliary_head, train_cfg, data_preprocessor, pretrained,
            init_cfg; ``test_cfg``: mode 'whole' plus ``key_frame_interval``
            and ``key_frame_phase``).
    """

    uses_key_frames = True

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 update_backbone: ConfigType,
                 update_head: ConfigType,
                 fusion: ConfigType,
                 flow_source: OptConfigType = None,
                 flow_input_scale: float = 1.0,
                 flow_net: OptConfigType = None,
                 **kwargs):
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        self.update_backbone = MODELS.build(update_backbone)
        self.update_head = MODELS.build(update_head)
        self.flow_source = build_flow_source(flow_source, 'AccelSegmentor',
                                             flow_net=flow_net)
        self.fusion = MODELS.build(fusion)
        if self.update_head.num_classes != self.num_classes:
            raise ValueError(
                f'update_head.num_classes={self.update_head.num_classes} '
                f'differs from decode_head.num_classes={self.num_classes}')
        if not flow_input_scale > 0:
            raise ValueError('AccelSegmentor.flow_input_scale must be > 0, '
                             f'got {flow_input_scale}')
        self.flow_input_scale = float(flow_input_scale)

    def reference_scores(self, frames: torch.Tensor) -> torch.Tensor:
        """N x K x h x w scores of the deep branch (decode head's grid)."""
        return self.decode_head(self.extract_feat(frames))

    def update_scores(self, frames: torch.Tensor) -> torch.Tensor:
        """N x K x h' x w' scores of the light current-frame branch."""
        return self.update_head(self.update_backbone(frames))

    def flow(self, cur: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """Finest flow cur -> key (N x 2 x h x w, pixels of its grid)."""
        if self.flow_input_scale != 1.0:
            cur, key = (F.interpolate(x, scale_factor=self.flow_input_scale,
                                      mode='bilinear', align_corners=False)
                        for x in (cur, key))
        return self.flow_source.estimate(cur, key)

    def fused_scores(self, cur: torch.Tensor, key: torch.Tensor,
                     key_scores: torch.Tensor) -> Tuple[torch.Tensor,
                                                        torch.Tensor]:
        """(fused, update) scores of the current frame given key scores."""
        upd = self.update_scores(cur)
        warped = warp_scores(key_scores, self.flow(cur, key))
        return self.fusion(warped, upd), upd

    @property
    def clip_sampling(self) -> ClipSampling:
        return key_last_sampling(type(self).__name__)

    def clip_logits(self, clips: torch.Tensor, num_frames: int,
                    with_aux: bool = False) -> Dict[str, torch.Tensor]:
        """Fused scores of frames 0..F-1: the key frame's (the clip's last)
        reference scores warped onto each and fused with its update scores.

        Args:
            clips: N x T x 3 x H x W, T >= F + 1, key frame last.
            with_aux: ignored (the reference branch's auxiliary head is not
                trained by this segmentor).

        Returns:
            'seg': N x F x K x h x w fused scores, '_update': the update
            branch's scores (its loss in :meth:`logit_losses`).
        """
        clips = self.clip_input(clips, num_frames)
        n = clips.shape[0]
        key = clips[:, -1]
        key_scores = self.reference_scores(key)
        fused, upd = self.fused_scores(
            clips[:, :num_frames].flatten(0, 1),
            repeat_per_frame(key, num_frames),
            repeat_per_frame(key_scores, num_frames))
        return unflatten_frames(dict(seg=fused, _update=upd), n, num_frames)

    def logit_losses(self, logits: Dict[str, torch.Tensor],
                     data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Decode head's loss on the fused scores of frame 0 (``fused.*``)
        and the update head's on its own scores (``update.*``)."""
        losses = {}
        for prefix, head, scores in (
                ('fused', self.decode_head, logits['seg'][:, 0]),
                ('update', self.update_head, logits['_update'][:, 0])):
            for name, value in head.loss_by_feat(scores,
                                                 data_samples).items():
                losses[f'{prefix}.{name}'] = value
        return losses

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """Losses of the fused and update scores on frame 0.

        Args:
            inputs: N x T x 3 x H x W clips, T >= 2 (frame 1 = key frame).
            data_samples: labels of frame 0.
        """
        pairs = key_last_pairs(inputs, type(self).__name__)
        return self.logit_losses(self.clip_logits(pairs, 1), data_samples)

    def video_logits(self, frame: torch.Tensor, new_video: bool,
                     batch_img_metas: List[dict]) -> Tuple[torch.Tensor,
                                                           dict]:
        """Fused scores of one frame (the stateful base's ``predict`` step),
        reusing the cached key scores of its video."""
        state = self.video_state
        is_key = self.is_key_frame()
        if is_key:
            state.cache['key_scores'] = self.reference_scores(frame)
            state.cache['key_frame'] = frame
        ref = state.cache['key_scores']
        if not is_key:  # at a key frame the reference needs no warp
            ref = warp_scores(ref, self.flow(frame, state.cache['key_frame']))
        fused = self.fusion(ref, self.update_scores(frame))
        self.last_frame_was_key = is_key
        return (self.decode_head.predict_by_feat(fused, batch_img_metas),
                dict(is_key_frame=is_key))

    def _forward(self, inputs: torch.Tensor,
                 data_samples: OptSampleList = None) -> torch.Tensor:
        """Stateless tensor mode: fused scores of frame 0 with frame 1 as
        key (or the frame itself when the input has one frame)."""
        clips = clip_frames(inputs)
        cur = clips[:, 0]
        key = clips[:, 1] if clips.shape[1] > 1 else cur
        return self.fused_scores(cur, key, self.reference_scores(key))[0]
