"""TDNet: temporally distributed sub-networks with attention propagation.

P shallow paths (sub-networks) take turns on consecutive frames; frame t runs
path ``t mod P`` only, and its full feature is recomposed by the attention
propagation module from its own sub-feature and the buffered sub-features of
the last P-1 frames. A shared decode head classifies the full feature.

Training uses clips of P frames with ``frame_offsets == [0, -1, ..., -(P-1)]``
(key frame first): the key frame runs a random path i, the frame at offset -j
runs path ``(i - j) mod P``; every path gets gradients. With a teacher, grouped
knowledge distillation adds: the full feature (projected) mimics the teacher's
decoder feature, each path's own sub-feature (projected) mimics its channel
group of the teacher feature on its frame, and the scores mimic the teacher's.
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList)

from uda_video.models.losses import (grouped_feature_distill,
                                     feature_mse_distill, pixel_kl_distill)
from uda_video.registry import MODELS
from ..utils.frozen_model import build_frozen_model, decode_features
from .base_video import clip_frames
from .clip_training import ClipSampling, ClipTrainingMixin
from .stateful import StatefulVideoMixin


@MODELS.register_module()
class TDNet(StatefulVideoMixin, ClipTrainingMixin, BaseSegmentor):
    """Temporally distributed network (TD2, TD4, ...).

    Args:
        num_paths: P, the number of sub-networks (2 for TD2, 4 for TD4).
        sub_network: config of one path (e.g. ``PSPSubNetwork``); built P
            times, each with its own weights.
        apm: config of the attention propagation module; its ``num_paths``
            and ``in_channels`` must match.
        decode_head: mmseg decode head on the full feature (e.g. FCNHead with
            ``in_channels = P * C_s``, ``in_index=0``).
        teacher_config: config file (or model dict) of the deep teacher.
        teacher_checkpoint: its checkpoint; required with ``teacher_config``.
        teacher_channels: channels of the teacher's decoder feature.
        full_kd_weight, sub_kd_weight, logit_kd_weight: weights of the
            full-feature, sub-feature (grouped) and score distillation.
        kd_temperature: softening temperature of the score distillation.
    """

    def __init__(self,
                 num_paths: int,
                 sub_network: ConfigType,
                 apm: ConfigType,
                 decode_head: ConfigType,
                 teacher_config: Union[str, ConfigType, None] = None,
                 teacher_checkpoint: Optional[str] = None,
                 teacher_channels: Optional[int] = None,
                 full_kd_weight: float = 0.1,
                 sub_kd_weight: float = 0.1,
                 logit_kd_weight: float = 1.0,
                 kd_temperature: float = 1.0,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.num_paths = num_paths
        self.paths = nn.ModuleList(
            MODELS.build(sub_network) for _ in range(num_paths))
        self.apm = MODELS.build(apm)
        if self.apm.num_paths != num_paths:
            raise ValueError(f'apm.num_paths={self.apm.num_paths} differs '
                             f'from num_paths={num_paths}')
        self.decode_head = MODELS.build(decode_head)
        self.align_corners = self.decode_head.align_corners
        self.num_classes = self.decode_head.num_classes
        self.out_channels = self.decode_head.out_channels
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

        self.teacher = None
        if teacher_config is not None:
            if teacher_checkpoint is None or teacher_channels is None:
                raise ValueError('teacher_config needs teacher_checkpoint and '
                                 'teacher_channels')
            if teacher_channels % num_paths:
                raise ValueError(f'teacher_channels={teacher_channels} must '
                                 f'split into num_paths={num_paths} groups')
            self.teacher = build_frozen_model(teacher_config,
                                              teacher_checkpoint)
            sub_c = self.apm.in_channels
            # Projections used only by the distillation losses.
            self.full_proj = nn.Conv2d(num_paths * sub_c, teacher_channels, 1)
            self.sub_projs = nn.ModuleList(
                nn.Conv2d(sub_c, teacher_channels // num_paths, 1)
                for _ in range(num_paths))
        self.full_kd_weight = full_kd_weight
        self.sub_kd_weight = sub_kd_weight
        self.logit_kd_weight = logit_kd_weight
        self.kd_temperature = kd_temperature

        self.init_video_state(test_cfg)
        self.last_path: Optional[int] = None

    # --- clip composition (training and tensor mode) ---------------------

    def _check_clip(self, clips: torch.Tensor,
                    data_samples: OptSampleList) -> None:
        t = clips.shape[1]
        if t != self.num_paths:
            raise ValueError(f'TDNet with {self.num_paths} paths trains on '
                             f'clips of {self.num_paths} frames, got {t} '
                             '(set the dataset frame_offsets to '
                             f'{[-j for j in range(self.num_paths)]})')
        want = [-j for j in range(self.num_paths)]
        for s in data_samples or []:
            offsets = s.metainfo.get('frame_offsets')
            if offsets is None:
                continue
            # Near a video's start the dataset clamps offsets ([0, -1, -1, -1]).
            lowest = min(offsets)
            if list(offsets) != [max(o, lowest) for o in want]:
                raise ValueError(f'TDNet needs frame_offsets == {want} (or '
                                 'clamped at the video start), got '
                                 f'{list(offsets)} for '
                                 f'{s.metainfo.get("img_path")}')

    def clip_features(self, clips: torch.Tensor, key_path: int):
        """Full feature of the key frame of a P-frame clip, and the paths' own.

        Args:
            clips: N x P x 3 x H x W, key frame first, then t-1, t-2, ...
            key_path: path run on the key frame.

        Returns:
            (full N x P*C_s x h x w, {path: own sub-feature}, {path: frame}).
        """
        own, frame_of = {}, {}
        for j in range(clips.shape[1]):
            path = (key_path - j) % self.num_paths
            own[path] = self.paths[path](clips[:, j])
            frame_of[path] = j
        earlier = {p: f for p, f in own.items() if p != key_path}
        return self.apm(own[key_path], key_path, earlier), own, frame_of

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Full feature of the key frame of each clip, with path 0 on it.

        A single frame (N x C x H x W or T = 1) is composed as a video's first
        frame: every path runs on it.
        """
        clips = clip_frames(inputs)
        if clips.shape[1] == 1:
            clips = clips.expand(-1, self.num_paths, -1, -1, -1)
        self._check_clip(clips, None)
        return [self.clip_features(clips, 0)[0]]

    def encode_decode(self, inputs: torch.Tensor,
                      batch_img_metas: List[dict]) -> torch.Tensor:
        return self.decode_head.predict(
            self.extract_feat(inputs), batch_img_metas, self.test_cfg)

    def _forward(self, inputs: torch.Tensor,
                 data_samples: OptSampleList = None) -> torch.Tensor:
        return self.decode_head.forward(self.extract_feat(inputs))

    @property
    def clip_sampling(self) -> ClipSampling:
        p = self.num_paths
        return ClipSampling(
            owner=type(self).__name__, extra_frames=p - 1, consecutive=-1,
            description=f'consecutive frames, each segmented with the {p - 1} '
            f'before it: frame_offsets {[-j for j in range(p)]} for one frame')

    def clip_logits(self, clips: torch.Tensor, num_frames: int,
                    with_aux: bool = False) -> Dict[str, torch.Tensor]:
        """Logits of frames 0..F-1, each composed as at test time.

        Frame i of the clip runs path ``(key_path - i) mod P`` (``key_path``
        random), so every frame runs one sub-network; frame j < F is composed
        by the APM from its own sub-feature and those of frames j+1..j+P-1.

        Args:
            clips: N x T x C x H x W, T >= F + P - 1, offsets 0, -1, -2, ...
            with_aux: ignored (TDNet has no auxiliary head).

        Returns:
            'seg': N x F x K x h x w, and '_tdnet': the key frame's full
            feature, the paths' own sub-features and their frames (for the
            distillation of :meth:`clip_losses`).
        """
        clips = self.clip_input(clips, num_frames)
        key_path = int(torch.randint(self.num_paths, (1, )))
        p = self.num_paths
        own = [
            self.paths[(key_path - i) % p](clips[:, i])
            for i in range(num_frames + p - 1)
        ]
        fulls = []
        for j in range(num_frames):
            earlier = {(key_path - i) % p: own[i]
                       for i in range(j + 1, j + p)}
            fulls.append(self.apm(own[j], (key_path - j) % p, earlier))
        n = clips.shape[0]
        full = torch.stack(fulls, 1).flatten(0, 1)
        seg = self.decode_head.forward([full])
        key_own = {(key_path - i) % p: own[i] for i in range(p)}
        frame_of = {(key_path - i) % p: i for i in range(p)}
        return dict(
            seg=seg.view(n, num_frames, *seg.shape[1:]),
            _tdnet=(fulls[0], key_own, frame_of))

    def clip_losses(self, clips: torch.Tensor,
                    logits: Dict[str, torch.Tensor],
                    data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Grouped distillation of the key frame when a teacher is set."""
        if self.teacher is None:
            return {}
        full, own, frame_of = logits['_tdnet']
        return self._distill_losses(clips, full, logits['seg'][:, 0], own,
                                    frame_of)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        clips = clip_frames(inputs)
        self._check_clip(clips, data_samples)
        logits = self.clip_logits(clips, 1)
        losses = self.logit_losses(logits, data_samples)
        losses.update(self.clip_losses(clips, logits, data_samples))
        return losses

    def _distill_losses(self, clips, full, logits, own, frame_of) -> dict:
        """Grouped knowledge distillation from the frozen teacher."""
        t_feats, t_logits = {}, None
        for j in sorted(set(frame_of.values())):
            feat, score = self.teacher(decode_features, clips[:, j])
            t_feats[j] = feat
            if j == 0:
                t_logits = score
        # Teacher composite: channel group k from the frame path k ran on.
        groups = [
            t_feats[frame_of[k]].chunk(self.num_paths, dim=1)[k]
            for k in range(self.num_paths)
        ]
        composite = torch.cat(groups, dim=1)
        subs = [self.sub_projs[k](own[k]) for k in range(self.num_paths)]
        return dict(
            loss_full_kd=self.full_kd_weight *
            feature_mse_distill(self.full_proj(full), t_feats[0]),
            loss_sub_kd=self.sub_kd_weight *
            grouped_feature_distill(subs, composite),
            loss_logit_kd=self.logit_kd_weight *
            pixel_kl_distill(logits, t_logits, self.kd_temperature))

    # --- test time: one path per frame ----------------------------------

    def buffered_paths(self) -> List[int]:
        """Paths whose sub-features are buffered for the current video."""
        return sorted(self.video_state.cache.get('sub_feats', {}))

    def video_features(self, img: torch.Tensor,
                       new_video: bool) -> Tuple[List[torch.Tensor], dict]:
        """Full feature of the next frame of a video (1 x 3 x H x W).

        Frame f of a video runs path ``f mod P``; the other paths' features
        come from the buffer of the last P-1 frames. On a video's first frame
        the buffer is empty: every path runs on it once (a warm-up frame,
        reported as a key frame).
        """
        if img.shape[0] != 1:
            raise ValueError('TDNet predicts one frame at a time, got a batch '
                             f'of {img.shape[0]}')
        path = self.video_state.frame_index % self.num_paths
        buffer: Dict[int, torch.Tensor] = self.video_state.cache.setdefault(
            'sub_feats', {})
        current = self.paths[path](img)
        warmup = len(buffer) < self.num_paths - 1
        for p in range(self.num_paths):
            if p != path and p not in buffer:
                buffer[p] = self.paths[p](img)
        earlier = {p: buffer[p] for p in range(self.num_paths) if p != path}
        full = self.apm(current, path, earlier)
        # Keep the last P-1 sub-features: drop the one the next frame recomputes.
        buffer[path] = current
        buffer.pop((path + 1) % self.num_paths, None)
        self.last_path = path
        self.last_frame_was_key = warmup
        return [full], {}
