"""Base of segmentors that carry state across the frames of a video (test).

Test batches hold one frame (the video sampler's order, batch size 1); the
state (``self.video_state``, a :class:`VideoState`) is cleared when
``video_id`` changes and whenever the model switches between train and eval.
Training and ``mode='tensor'`` stay stateless (the per-frame network).
"""
from typing import List, Optional, Tuple

import torch
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from mmseg.utils import OptSampleList, SampleList

from .base_video import (ClipEncoderDecoder, VideoState, key_frames,
                         single_video_id)


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


class StatefulVideoSegmentor(ClipEncoderDecoder):
    """A ClipEncoderDecoder whose ``predict`` runs frame by frame with state.

    Subclasses implement :meth:`video_features`, which returns the features
    the decode head reads for the current frame plus a dict merged into the
    prediction's metainfo, and set ``self.last_frame_was_key``.

    Only ``test_cfg.mode='whole'`` is supported: sliding windows would feed
    several crops of one frame through the per-video state.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
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
        mode = (test_cfg or {}).get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(f'{type(self).__name__} supports only '
                             f"test_cfg.mode='whole', got {mode!r}")
        self.video_state = VideoState()
        self.last_frame_was_key = False

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
        raise NotImplementedError

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
        video_id = single_video_id(data_samples)
        new_video = self.video_state.advance(video_id)
        feats, extra = self.video_features(frames, new_video)
        seg_logits = self.decode_head.predict(feats, metas, self.test_cfg)
        results = self.postprocess_result(seg_logits, data_samples)
        for result in results:
            result.set_metainfo(extra)
        return results
