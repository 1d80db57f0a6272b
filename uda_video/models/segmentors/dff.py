"""Deep Feature Flow (DFF, arXiv 1611.07715): features propagated by flow.

The feature network (backbone + neck) runs on key frames only, every
``test_cfg.key_frame_interval`` frames of a video (and on every video's first
frame; the stateful base's :class:`KeyFrameSchedule`). On the other frames a
flow network estimates the flow from the current frame to the key frame, the
cached key features are warped onto the current frame at each feature grid
(``ops.resize_flow``, ``ops.flow_warp``), multiplied by a scale field, and
only the decode head runs.

Training uses (current, key) pairs: clips with ``frame_offsets = [0, -g]``,
the labelled current frame at index 0 and the key frame at index 1; the
dataset's offset range gives random gaps. The loss is taken on the propagated
features, so gradients reach the feature network, the scale field and the
flow network; ``frame_loss_weight`` adds the loss on the current frame's own
features.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.utils import ConfigType, OptConfigType, SampleList, add_prefix

from uda_video.ops import flow_warp, resize_flow
from uda_video.registry import MODELS
from ..flow import FlowSourceOwner, build_flow_source
from ..losses.utils import scale_losses
from .clip_training import ClipSampling, repeat_per_frame, unflatten_frames
from .stateful import (StatefulVideoSegmentor, key_last_pairs,
                       key_last_sampling)

Features = Tuple[torch.Tensor, ...]


def propagate_features(key_feats: Sequence[torch.Tensor],
                       flow: torch.Tensor,
                       scales: Optional[Sequence[torch.Tensor]] = None
                       ) -> Features:
    """Warp key-frame features onto the current frame.

    Args:
        key_feats: feature levels of the key frame, each N x C_l x H_l x W_l.
        flow: N x 2 x h x w flow from the current frame to the key frame, in
            pixels of its own grid (resized to each level here).
        scales: optional scale field per level, N x C_l x H_l x W_l.

    Returns:
        The propagated levels, ``warp(f_l, flow_l) * scale_l``.
    """
    if scales is not None and len(scales) != len(key_feats):
        raise ValueError(f'{len(scales)} scale fields for {len(key_feats)} '
                         'feature levels')
    out = []
    for i, feat in enumerate(key_feats):
        level_flow = resize_flow(flow, feat.shape[-2:])
        # Sampling positions in float32, also under autocast: pixel
        # coordinates in half or bfloat16 are coarser than a pixel.
        warped = flow_warp(feat.float(), level_flow.float()).to(feat.dtype)
        if scales is not None:
            warped = warped * scales[i]
        out.append(warped)
    return tuple(out)


@MODELS.register_module()
class DFFSegmentor(FlowSourceOwner, StatefulVideoSegmentor):
    """Deep Feature Flow video segmentor around any mmseg backbone and head.

    Args:
        backbone, decode_head: as mmseg's EncoderDecoder; backbone (+ neck)
            is the feature network, the heads the task network. Every output
            level is propagated: set the backbone's ``out_indices`` to the
            levels the heads read.
        flow_source (dict): A flow source (docs/conventions.md "Flow
            sources"), usually a trainable ``FlowNetS``; its ``estimate(cur,
            key)`` gives the flow cur -> key on its own grid. The old key
            ``flow_net`` is translated, and checkpoints with ``flow_net.*``
            keys load.
        scale_field (dict, optional): A :class:`ScaleFieldHead` with one
            ``out_channels`` entry per feature level; None = no scale field.
        flow_input_scale (float): The frames are resized by this factor
            before the flow network (DFF uses 0.5).
        frame_loss_weight (float): Weight of an extra loss on the current
            frame's own features (keys ``frame.*``). The feature network
            otherwise learns only through features propagated from the key
            frame; 0 (default) is the DFF paper's training.
        **kwargs: the other arguments of :class:`StatefulVideoSegmentor`
            (neck, auxiliary_head, train_cfg, data_preprocessor, pretrained,
            init_cfg; ``test_cfg`` with mode 'whole', ``key_frame_interval``
            >= 1, default 5, and ``key_frame_phase`` in [0, interval),
            default 0).
    """

    uses_key_frames = True

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 flow_source: OptConfigType = None,
                 scale_field: OptConfigType = None,
                 flow_input_scale: float = 1.0,
                 frame_loss_weight: float = 0.0,
                 flow_net: OptConfigType = None,
                 **kwargs):
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        self.flow_source = build_flow_source(flow_source, 'DFFSegmentor',
                                             flow_net=flow_net)
        self.scale_field = (MODELS.build(scale_field)
                            if scale_field is not None else None)
        if not flow_input_scale > 0:
            raise ValueError('DFFSegmentor.flow_input_scale must be > 0, got '
                             f'{flow_input_scale}')
        self.flow_input_scale = float(flow_input_scale)
        if not frame_loss_weight >= 0:
            raise ValueError('DFFSegmentor.frame_loss_weight must be >= 0, '
                             f'got {frame_loss_weight}')
        self.frame_loss_weight = float(frame_loss_weight)

    def flow_inputs(self, frames: torch.Tensor) -> torch.Tensor:
        """N x 3 x H x W normalized frames at the flow network's resolution."""
        if self.flow_input_scale == 1.0:
            return frames
        return F.interpolate(frames, scale_factor=self.flow_input_scale,
                             mode='bilinear', align_corners=False)

    def estimate_flow(self, cur: torch.Tensor,
                      key: torch.Tensor) -> torch.Tensor:
        """Flow cur -> key (N x 2 x h x w) from flow-input frames, on the
        flow source's own grid (a FlowNet's finest level)."""
        flow = self.flow_source.estimate(cur, key)
        if flow.dim() != 4 or flow.shape[1] != 2:
            raise ValueError(f'{type(self.flow_source).__name__} returned a '
                             f'flow of shape {tuple(flow.shape)}, expected '
                             'N x 2 x h x w')
        return flow

    def propagate(self, cur: torch.Tensor, key: torch.Tensor,
                  key_feats: Sequence[torch.Tensor]) -> Features:
        """Key features warped onto the current frame and scaled.

        ``cur`` and ``key`` are flow-input frames (see :meth:`flow_inputs`).
        """
        flow = self.estimate_flow(cur, key)
        scales = None
        if self.scale_field is not None:
            scales = self.scale_field(cur, key, flow,
                                      [f.shape[-2:] for f in key_feats])
        return propagate_features(key_feats, flow, scales)

    @property
    def clip_sampling(self) -> ClipSampling:
        return key_last_sampling(type(self).__name__)

    def clip_logits(self, clips: torch.Tensor, num_frames: int,
                    with_aux: bool = False) -> Dict[str, torch.Tensor]:
        """Logits of frames 0..F-1 from the key frame's features (the clip's
        last frame) warped onto each of them by the flow network.

        Args:
            clips: N x T x C x H x W, T >= F + 1, key frame last.

        Returns:
            'seg' (and 'aux'): N x F x K x h x w on the propagated features;
            with ``frame_loss_weight > 0`` also 'frame_seg' (and
            'frame_aux'): the heads on each frame's own features.
        """
        clips = self.clip_input(clips, num_frames)
        n = clips.shape[0]
        key = clips[:, -1]
        cur = clips[:, :num_frames].flatten(0, 1)
        if self.frame_loss_weight > 0:
            # One pass of the feature network over key and current frames.
            both = self.extract_feat(torch.cat([key, cur]))
            key_feats = [f[:n] for f in both]
            cur_feats = [f[n:] for f in both]
        else:
            key_feats = self.extract_feat(key)
        key_input = repeat_per_frame(self.flow_inputs(key), num_frames)
        feats = self.propagate(
            self.flow_inputs(cur), key_input,
            [repeat_per_frame(f, num_frames) for f in key_feats])
        out = self.frame_head_outputs(feats, with_aux)
        if self.frame_loss_weight > 0:
            own = self.frame_head_outputs(cur_feats, with_aux)
            out.update({f'frame_{k}': v for k, v in own.items()})
        return unflatten_frames(out, n, num_frames)

    def logit_losses(self, logits: Dict[str, torch.Tensor],
                     data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Losses on the propagated logits and, when present, the frame loss
        on the current frame's own logits (``frame.*``, weighted)."""
        losses = super().logit_losses(logits, data_samples)
        if 'frame_seg' in logits:
            own = {k[len('frame_'):]: v for k, v in logits.items()
                   if k.startswith('frame_')}
            frame_losses = super().logit_losses(own, data_samples)
            losses.update(
                add_prefix(
                    scale_losses(frame_losses, self.frame_loss_weight),
                    'frame'))
        return losses

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """Losses on features propagated from frame 1 (key) to frame 0, and
        with ``frame_loss_weight > 0`` on frame 0's own features (``frame.*``).

        Args:
            inputs: N x 2 x C x H x W clips, frame_offsets [0, -g].
            data_samples: labels of frame 0.
        """
        pairs = key_last_pairs(inputs, type(self).__name__)
        logits = self.clip_logits(pairs, 1, with_aux=True)
        return self.logit_losses(logits, data_samples)

    def video_features(self, frame: torch.Tensor,
                       new_video: bool) -> Tuple[Features, dict]:
        state = self.video_state
        is_key = self.is_key_frame()
        if is_key:
            feats = tuple(self.extract_feat(frame))
            state.cache['key_feats'] = feats
            state.cache['key_input'] = self.flow_inputs(frame)
        else:
            feats = self.propagate(
                self.flow_inputs(frame), state.cache['key_input'],
                state.cache['key_feats'])
        self.last_frame_was_key = is_key
        return feats, dict(is_key_frame=is_key)
