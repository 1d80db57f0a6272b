"""Accel-style video segmentor: a deep reference branch on key frames, its
scores warped by optical flow to every frame and fused with the scores of a
light update branch run on the current frame."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from mmseg.utils import OptSampleList, SampleList

from uda_video.models.segmentors import (ClipSampling,
                                         StatefulVideoSegmentor,
                                         batch_img_metas, clip_frames,
                                         key_frames, repeat_per_frame,
                                         single_video_id, unflatten_frames)
from uda_video.registry import MODELS

from .fusion import warp_scores


def key_frame_interval(test_cfg: OptConfigType) -> int:
    """``test_cfg.key_frame_interval`` (default 5), validated."""
    k = (test_cfg or {}).get('key_frame_interval', 5)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError('test_cfg.key_frame_interval must be an int >= 1, '
                         f'got {k!r}')
    return k


@MODELS.register_module()
class AccelSegmentor(StatefulVideoSegmentor):
    """Reference branch (``backbone`` + ``decode_head``) on key frames, update
    branch (``update_backbone`` + ``update_head``) on every frame, fused by
    ``fusion`` after warping the key scores with ``flow_net``.

    Training takes (current, key) clips, ``frame_offsets=[0, [-g, 0]]``: the
    key scores are warped to the current frame, fused with the current
    frame's update scores, and the decode head's loss is applied to the fused
    scores (plus the update head's own loss, weighted by its loss config).
    At test time frames arrive one by one (VideoSampler, batch size 1); the
    key frame's scores are cached per video and recomputed every
    ``test_cfg.key_frame_interval`` frames.

    Args:
        backbone, decode_head, neck, auxiliary_head, train_cfg,
        data_preprocessor, pretrained, init_cfg: mmseg's EncoderDecoder
            arguments for the reference branch.
        update_backbone: the light current-frame backbone.
        update_head: its decode head (same ``num_classes``).
        flow_net: a flow estimator; ``flow_net(img1, img2)`` returns flows
            img1 -> img2, finest first (docs/conventions.md).
        fusion: a :class:`ScoreFusion` config.
        flow_input_scale: frames are resized by this factor for the flow net.
        test_cfg: mmseg's test_cfg (mode 'whole') plus ``key_frame_interval``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 update_backbone: ConfigType,
                 update_head: ConfigType,
                 flow_net: ConfigType,
                 fusion: ConfigType,
                 flow_input_scale: float = 1.0,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None):
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg)
        self.update_backbone = MODELS.build(update_backbone)
        self.update_head = MODELS.build(update_head)
        self.flow_net = MODELS.build(flow_net)
        self.fusion = MODELS.build(fusion)
        if self.update_head.num_classes != self.num_classes:
            raise ValueError(
                f'update_head.num_classes={self.update_head.num_classes} '
                f'differs from decode_head.num_classes={self.num_classes}')
        if not flow_input_scale > 0:
            raise ValueError('AccelSegmentor.flow_input_scale must be > 0, '
                             f'got {flow_input_scale}')
        self.flow_input_scale = float(flow_input_scale)
        key_frame_interval(test_cfg)  # fail at build time, not mid-test

    @property
    def key_frame_interval(self) -> int:
        """``test_cfg.key_frame_interval`` (read at every frame)."""
        return key_frame_interval(self.test_cfg)

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
        flows = self.flow_net(cur, key)
        return flows[0] if isinstance(flows, (list, tuple)) else flows

    def fused_scores(self, cur: torch.Tensor, key: torch.Tensor,
                     key_scores: torch.Tensor) -> Tuple[torch.Tensor,
                                                        torch.Tensor]:
        """(fused, update) scores of the current frame given key scores."""
        upd = self.update_scores(cur)
        warped = warp_scores(key_scores, self.flow(cur, key))
        return self.fusion(warped, upd), upd

    @property
    def clip_sampling(self) -> ClipSampling:
        return ClipSampling(
            owner=type(self).__name__, extra_frames=1,
            description='the frames segmented, then the key frame last, '
            'e.g. frame_offsets [0, [-4, 0]] for one frame')

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
        clips = clip_frames(inputs)
        if clips.shape[1] < 2:
            raise ValueError(
                'AccelSegmentor trains on (current, key) clips: set '
                'frame_offsets=[0, [-g, 0]] (T >= 2); got inputs of shape '
                f'{tuple(inputs.shape)}')
        return self.logit_losses(self.clip_logits(clips[:, :2], 1),
                                 data_samples)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Segment one frame, reusing the cached key scores of its video."""
        frame = key_frames(inputs)
        metas = batch_img_metas(frame, data_samples)
        state = self.video_state
        new_video = state.advance(single_video_id(data_samples))
        is_key = new_video or (state.frame_index %
                               self.key_frame_interval == 0)
        if is_key:
            state.cache['key_scores'] = self.reference_scores(frame)
            state.cache['key_frame'] = frame
        ref = state.cache['key_scores']
        if not is_key:  # at a key frame the reference needs no warp
            ref = warp_scores(ref, self.flow(frame, state.cache['key_frame']))
        fused = self.fusion(ref, self.update_scores(frame))
        self.last_frame_was_key = is_key
        seg_logits = self.decode_head.predict_by_feat(fused, metas)
        results = self.postprocess_result(seg_logits, data_samples)
        for result in results:
            result.set_metainfo(dict(is_key_frame=is_key))
        return results

    def _forward(self, inputs: torch.Tensor,
                 data_samples: OptSampleList = None) -> torch.Tensor:
        """Stateless tensor mode: fused scores of frame 0 with frame 1 as
        key (or the frame itself when the input has one frame)."""
        clips = clip_frames(inputs)
        cur = clips[:, 0]
        key = clips[:, 1] if clips.shape[1] > 1 else cur
        return self.fused_scores(cur, key, self.reference_scores(key))[0]
