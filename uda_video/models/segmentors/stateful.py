"""Base of segmentors that carry state across the frames of a video (test).

Test batches hold one frame (the video sampler's order, batch size 1); the
state (``self.video_state``, a :class:`VideoState`) is cleared when
``video_id`` changes and whenever the model switches between train and eval.
Training and ``mode='tensor'`` stay stateless (the per-frame network).
Segmentors with key frames (``uses_key_frames``) own a
:class:`KeyFrameSchedule` built from ``test_cfg.key_frame_interval`` and
``test_cfg.key_frame_phase``.
"""
from typing import List, Optional, Tuple

import torch
from mmseg.utils import ConfigType, OptConfigType, OptSampleList, SampleList

from ..video_modules.key_frame_schedule import KeyFrameSchedule
from .base_video import (ClipEncoderDecoder, VideoState, clip_frames,
                         key_frames, single_video_id)
from .clip_training import ClipSampling

KEY_FRAME_KEYS = ('key_frame_interval', 'key_frame_phase')


def batch_img_metas(inputs: torch.Tensor,
                    data_samples: OptSampleList) -> List[dict]:
    """Meta dicts of a batch, as mmseg's EncoderDecoder.predict builds them."""
    if data_samples is not None:
        return [s.metainfo for s in data_samples]
    shape = tuple(inputs.shape[-2:])
    return [
        dict(ori_shape=shape, img_shape=shape, pad_shape=shape,
             padding_size=[0, 0, 0, 0])
    ] * inputs.shape[0]


def key_last_sampling(owner: str) -> ClipSampling:
    """Training clips of key-frame segmentors that propagate from a key frame
    (DFF, Accel): the F frames segmented, then the key frame last."""
    return ClipSampling(
        owner=owner, extra_frames=1,
        description='the frames segmented, then the key frame last, '
        'e.g. frame_offsets [0, [-4, 0]] for one frame')


def key_last_pairs(inputs: torch.Tensor, owner: str) -> torch.Tensor:
    """N x 2 x C x H x W (current, key) pairs of a training batch (frame 0
    labelled, frame 1 the key frame), refused by ``owner``'s name if the
    clips hold fewer than 2 frames."""
    clips = clip_frames(inputs)
    if clips.shape[1] < 2:
        raise ValueError(
            f'{owner} trains on (current, key) pairs: clips need '
            'frame_offsets [0, -g] or [0, [-g, 0]] (T >= 2), got inputs of '
            f'shape {tuple(inputs.shape)}')
    return clips[:, :2]


class StatefulVideoMixin:
    """Per-video test state and the frame-by-frame ``predict`` template.

    For mmseg segmentors (``decode_head``, ``test_cfg``,
    ``postprocess_result``); put it first among the bases and call
    :meth:`init_video_state` in ``__init__``. A subclass implements
    :meth:`video_features` (features the decode head reads) or, when its
    scores do not come from ``decode_head.predict`` on features,
    :meth:`video_logits`; either sets ``self.last_frame_was_key``.

    Attributes:
        uses_key_frames (bool): Class flag; True builds
            ``self.key_frame_schedule`` from ``test_cfg``. Segmentors without
            it refuse the ``key_frame_*`` keys instead of ignoring them.
    """

    uses_key_frames: bool = False

    def init_video_state(self, test_cfg: OptConfigType) -> None:
        """Check ``test_cfg``, build the key-frame schedule, empty state.

        Only ``test_cfg.mode='whole'`` is supported: sliding windows would
        feed several crops of one frame through the per-video state.
        """
        cfg = test_cfg or {}
        name = type(self).__name__
        mode = cfg.get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(f"{name} supports only test_cfg.mode='whole', "
                             f'got {mode!r}')
        self.key_frame_schedule: Optional[KeyFrameSchedule] = None
        if self.uses_key_frames:
            self.key_frame_schedule = KeyFrameSchedule.from_test_cfg(cfg)
        else:
            for key in KEY_FRAME_KEYS:
                if key in cfg:
                    raise ValueError(f'{name} has no key-frame schedule: '
                                     f'test_cfg.{key}={cfg[key]!r} would be '
                                     'ignored, remove it')
        self.video_state = VideoState()
        self.last_frame_was_key = False

    @property
    def key_frame_interval(self) -> Optional[int]:
        """Frames between key frames (``test_cfg.key_frame_interval``); None
        without a key-frame schedule."""
        if self.key_frame_schedule is None:
            return None
        return self.key_frame_schedule.interval

    def is_key_frame(self) -> bool:
        """Whether the current frame of the video is a key frame (a video's
        first frame always is)."""
        if self.key_frame_schedule is None:
            raise TypeError(f'{type(self).__name__} has no key-frame schedule')
        return self.key_frame_schedule.is_key(self.video_state.frame_index)

    def reset_video_state(self) -> None:
        """Forget the current video (the next frame starts a new one)."""
        self.video_state.reset()

    def train(self, mode: bool = True):
        # Weights may change between evaluations: never reuse stale state.
        self.reset_video_state()
        return super().train(mode)

    def video_features(self, frame: torch.Tensor,
                       new_video: bool) -> Tuple[Tuple[torch.Tensor, ...],
                                                 dict]:
        """Features of the current frame (N x C x H x W), metainfo extras."""
        raise NotImplementedError(
            f'{type(self).__name__} implements neither video_features nor '
            'video_logits')

    def video_logits(self, frame: torch.Tensor, new_video: bool,
                     batch_img_metas: List[dict]) -> Tuple[torch.Tensor,
                                                           dict]:
        """N x K x H x W scores of the current frame at the input size, and
        the extras merged into each prediction's metainfo."""
        feats, extra = self.video_features(frame, new_video)
        return self.decode_head.predict(feats, batch_img_metas,
                                        self.test_cfg), extra

    def predict(self,
                inputs: torch.Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Segment the key frame of each clip, using and updating the state.

        Args:
            inputs: N x T x C x H x W clips (frame 0 is segmented) or
                N x C x H x W frames; N = 1 when data samples are given.
            data_samples: one SegDataSample per frame, with ``video_id``.
        """
        frames = key_frames(inputs)
        metas = batch_img_metas(frames, data_samples)
        new_video = self.video_state.advance(single_video_id(data_samples))
        seg_logits, extra = self.video_logits(frames, new_video, metas)
        results = self.postprocess_result(seg_logits, data_samples)
        for result in results:
            result.set_metainfo(extra)
        return results


class StatefulVideoSegmentor(StatefulVideoMixin, ClipEncoderDecoder):
    """A ClipEncoderDecoder whose ``predict`` runs frame by frame with state.

    Args:
        backbone, decode_head, test_cfg: as mmseg's EncoderDecoder
            (``test_cfg.mode`` must be 'whole'; with ``uses_key_frames`` it
            also holds ``key_frame_interval``, default 5, and
            ``key_frame_phase``, default 0).
        **kwargs: the other EncoderDecoder arguments (neck, auxiliary_head,
            train_cfg, data_preprocessor, pretrained, init_cfg).
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 test_cfg: OptConfigType = None,
                 **kwargs):
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            test_cfg=test_cfg,
            **kwargs)
        self.init_video_state(test_cfg)
