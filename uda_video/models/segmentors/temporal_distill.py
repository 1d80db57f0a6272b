"""Temporal-consistency distillation (TCD): a per-frame student trained on frame pairs.

Training clips hold the key frame t and its previous frame
(``frame_offsets == [0, -1]``). Besides the supervised loss on t the student
gets: a temporal loss between its scores at t and its scores at t-1 warped
onto t by optical flow, masked by forward-backward consistency; pixel-wise
(KL on softened scores), pair-wise (position affinities) and motion-guided
temporal distillation from a frozen teacher. Inference is the plain per-frame
model (:class:`ClipEncoderDecoder`); the student's checkpoint holds no teacher
or flow weights and loads into a ClipEncoderDecoder of the same config.

Flow (docs/conventions.md): ``flow_source`` is a flow source (MODELS),
asked for the flow key frame -> previous frame. The default ``SampleFlow``
reads ``gt_flow[0]`` of each data sample (pixels of the input); the
occlusion mask is the forward-backward check with the source's reverse flow
(``gt_flow_back`` for SampleFlow, the network run the other way for
``FrozenFlow``) and, where the source has none, only excludes pixels whose
flow leaves the frame. The old settings ``flow_source='gt'`` and
``flow_source='net'`` with ``flow_net`` + ``flow_net_checkpoint`` are
translated to ``SampleFlow`` and ``FrozenFlow``.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         SampleList)

from uda_video.models.losses import (motion_distill_loss,
                                     pairwise_affinity_distill,
                                     pixel_kl_distill,
                                     temporal_consistency_loss)
from uda_video.ops import fb_consistency_mask, in_frame_mask
from uda_video.registry import MODELS
from ..flow import build_flow_source
from ..utils.frozen_model import build_frozen_model, decode_features
from .base_video import ClipEncoderDecoder, clip_frames
from .clip_training import ClipSampling, first_aux_head


def tcd_flow_source(flow_source: Union[str, ConfigType, None],
                    flow_net: OptConfigType = None,
                    flow_net_checkpoint: Optional[str] = None) -> dict:
    """The flow-source config of a TCD config, old settings translated:
    None or 'gt' -> ``SampleFlow``; 'net' (with ``flow_net`` and
    ``flow_net_checkpoint``) -> ``FrozenFlow``."""
    if flow_source is None or flow_source == 'gt':
        return dict(type='SampleFlow')
    if flow_source == 'net':
        if flow_net is None or flow_net_checkpoint is None:
            raise ValueError("flow_source='net' needs flow_net and "
                             'flow_net_checkpoint')
        return dict(type='FrozenFlow', network=flow_net,
                    checkpoint=flow_net_checkpoint)
    if isinstance(flow_source, str):
        raise ValueError("flow_source must be a flow source config (or the "
                         f"old 'gt' / 'net'), got {flow_source!r}")
    return flow_source


def require_previous_frame(clips: torch.Tensor) -> None:
    """Refuse N x T x C x H x W clips without the previous frame (T < 2)."""
    if clips.shape[1] < 2:
        raise ValueError('TemporalDistillSegmentor trains on clips with the '
                         'previous frame (frame_offsets [0, -1]), got '
                         f'{clips.shape[1]} frame(s)')


@MODELS.register_module()
class TemporalDistillSegmentor(ClipEncoderDecoder):
    """Per-frame student with temporal and distillation losses (ETC-style).

    Args (besides EncoderDecoder's):
        flow_source: a flow source config (default ``SampleFlow``, the
            clip's ``gt_flow``; ``FrozenFlow`` for a pretrained network), or
            the old 'gt' / 'net'.
        flow_net, flow_net_checkpoint: the old settings of 'net' (see
            :func:`tcd_flow_source`).
        teacher_config, teacher_checkpoint: the frozen teacher segmentor;
            without them only the temporal loss is added.
        temporal_weight, pixel_kd_weight, pair_kd_weight, motion_kd_weight:
            loss weights (0 disables a loss).
        kd_temperature: softening of the pixel-wise distillation.
        pair_pool_size: pooling before the pair-wise affinities.
        fb_alpha, fb_beta: thresholds of the forward-backward check.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 flow_source: Union[str, ConfigType, None] = None,
                 flow_net: OptConfigType = None,
                 flow_net_checkpoint: Optional[str] = None,
                 teacher_config: Union[str, ConfigType, None] = None,
                 teacher_checkpoint: Optional[str] = None,
                 temporal_weight: float = 1.0,
                 pixel_kd_weight: float = 1.0,
                 pair_kd_weight: float = 1.0,
                 motion_kd_weight: float = 1.0,
                 kd_temperature: float = 1.0,
                 pair_pool_size: Optional[int] = 2,
                 fb_alpha: float = 0.01,
                 fb_beta: float = 0.5,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            backbone=backbone, decode_head=decode_head, neck=neck,
            auxiliary_head=auxiliary_head, train_cfg=train_cfg,
            test_cfg=test_cfg, data_preprocessor=data_preprocessor,
            pretrained=pretrained, init_cfg=init_cfg)
        self.flow_source = build_flow_source(
            tcd_flow_source(flow_source, flow_net, flow_net_checkpoint),
            'TemporalDistillSegmentor')
        self.teacher = None
        if teacher_config is not None:
            if teacher_checkpoint is None:
                raise ValueError('teacher_config needs teacher_checkpoint')
            self.teacher = build_frozen_model(teacher_config,
                                              teacher_checkpoint)
        if pair_kd_weight > 0 and not hasattr(self.decode_head,
                                              '_forward_feature'):
            raise TypeError(f'pair-wise distillation needs a decode head '
                            'with _forward_feature, got '
                            f'{type(self.decode_head).__name__}')
        self.temporal_weight = temporal_weight
        self.pixel_kd_weight = pixel_kd_weight
        self.pair_kd_weight = pair_kd_weight
        self.motion_kd_weight = motion_kd_weight
        self.kd_temperature = kd_temperature
        self.pair_pool_size = pair_pool_size
        self.fb_alpha = fb_alpha
        self.fb_beta = fb_beta

    def _flows(self, clips: torch.Tensor, data_samples: SampleList,
               size) -> Tuple[torch.Tensor, torch.Tensor]:
        """Flow key -> previous frame at ``size`` and its visibility mask."""
        cur, prev = clips[:, 0], clips[:, 1]
        fw = self.flow_source.flow(cur, prev, data_samples, size=size)
        bw = self.flow_source.reverse_flow(cur, prev, data_samples, size=size)
        if bw is None:
            return fw, in_frame_mask(fw).unsqueeze(1).to(fw.dtype)
        return fw, fb_consistency_mask(fw, bw, self.fb_alpha, self.fb_beta)

    @property
    def clip_sampling(self) -> ClipSampling:
        return ClipSampling(
            owner=type(self).__name__, min_frames=2, consecutive=2,
            description='the key frame, then its previous frame: '
            'frame_offsets [0, -1, ...]')

    def frame_head_outputs(self, feats: Sequence[torch.Tensor],
                           with_aux: bool) -> Dict[str, torch.Tensor]:
        """Per-frame heads, plus '_feat' (the decoder feature) when the
        pair-wise distillation needs it."""
        if self.teacher is None or not self.pair_kd_weight > 0:
            return super().frame_head_outputs(feats, with_aux)
        feat = self.decode_head._forward_feature(feats)
        out = {'seg': self.decode_head.cls_seg(feat), '_feat': feat}
        aux = first_aux_head(self)
        if with_aux and aux is not None:
            out['aux'] = aux.forward(feats)
        return out

    def clip_losses(self, clips: torch.Tensor,
                    logits: Dict[str, torch.Tensor],
                    data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Temporal loss between frame 0 and its previous frame (frame 1)
        warped by flow, and the distillation losses when a teacher is set.

        The previous frame's logits are ``logits['seg'][:, 1]`` when the
        caller asked for two frames, else computed here.
        """
        require_previous_frame(clips)
        cur_logits = logits['seg'][:, 0]
        if logits['seg'].shape[1] > 1:
            prev_logits = logits['seg'][:, 1]
        else:
            prev_logits = self.frame_head_outputs(
                self.extract_feat(clips[:, 1]), False)['seg']
        losses = {}
        flow, mask = self._flows(clips, data_samples, cur_logits.shape[2:])
        if self.temporal_weight > 0:
            losses['loss_temporal'] = self.temporal_weight * \
                temporal_consistency_loss(cur_logits, prev_logits, flow, mask)
        if self.teacher is None:
            return losses
        t_feat, t_logits = self.teacher(decode_features, clips[:, 0])
        if self.pixel_kd_weight > 0:
            losses['loss_pixel_kd'] = self.pixel_kd_weight * pixel_kl_distill(
                cur_logits, t_logits, self.kd_temperature)
        if self.pair_kd_weight > 0:
            losses['loss_pair_kd'] = self.pair_kd_weight * \
                pairwise_affinity_distill(logits['_feat'][:, 0], t_feat,
                                          self.pair_pool_size)
        if self.motion_kd_weight > 0:
            _, t_prev = self.teacher(decode_features, clips[:, 1])
            size = cur_logits.shape[2:]
            t_cur = F.interpolate(t_logits, size=size, mode='bilinear',
                                  align_corners=False)
            t_prev = F.interpolate(t_prev, size=size, mode='bilinear',
                                   align_corners=False)
            losses['loss_motion_kd'] = self.motion_kd_weight * \
                motion_distill_loss(cur_logits, prev_logits, t_cur, t_prev,
                                    flow, mask)
        return losses

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        clips = clip_frames(inputs)
        require_previous_frame(clips)
        # [0, 0] (the clamped clip of a video's first frame) passes.
        self.check_clip_sampling(data_samples, 1)
        logits = self.clip_logits(clips, 1, with_aux=True)
        losses = self.logit_losses(logits, data_samples)
        losses.update(self.clip_losses(clips, logits, data_samples))
        return losses
