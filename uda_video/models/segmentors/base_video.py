"""Shared pieces of video segmentors: clip inputs and per-video test state.

Clip inputs are N x T x C x H x W with the key frame at index 0
(docs/conventions.md); per-frame models see ``inputs[:, 0]``.
"""
from typing import Any, Dict, Optional

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.utils import OptSampleList, SampleList

from uda_video.registry import MODELS
from .clip_training import ClipTrainingMixin


def key_frames(inputs: torch.Tensor) -> torch.Tensor:
    """N x T x C x H x W clip batch (or N x C x H x W) -> N x C x H x W key frames."""
    if inputs.dim() == 5:
        return inputs[:, 0]
    if inputs.dim() == 4:
        return inputs
    raise ValueError('inputs must be N x T x C x H x W or N x C x H x W, got '
                     f'{tuple(inputs.shape)}')


def clip_frames(inputs: torch.Tensor) -> torch.Tensor:
    """N x C x H x W -> N x 1 x C x H x W; clips pass through unchanged."""
    if inputs.dim() == 4:
        return inputs.unsqueeze(1)
    if inputs.dim() == 5:
        return inputs
    raise ValueError('inputs must be N x T x C x H x W or N x C x H x W, got '
                     f'{tuple(inputs.shape)}')


def single_video_id(data_samples: OptSampleList) -> Optional[str]:
    """The one ``video_id`` of a test batch of a stateful segmentor.

    Stateful segmentors run one frame at a time (test batch size 1, the video
    sampler's order); a batch of several frames or videos is refused.
    """
    if not data_samples:
        return None
    if len(data_samples) != 1:
        raise ValueError('stateful video segmentors predict one frame at a '
                         f'time; got a batch of {len(data_samples)} '
                         '(set test_dataloader.batch_size=1)')
    return data_samples[0].metainfo.get('video_id')


class VideoState:
    """Test-time state of one video, cleared when ``video_id`` changes.

    ``frame_index`` counts frames fed since the video started (0 on its first
    frame); ``cache`` holds what a segmentor keeps across frames (key features,
    sub-network features, previous scores).
    """

    def __init__(self) -> None:
        self.video_id: Any = None
        self.frame_index = -1
        self.cache: Dict[str, Any] = {}

    def reset(self) -> None:
        self.video_id = None
        self.frame_index = -1
        self.cache = {}

    def advance(self, video_id: Any) -> bool:
        """Register the next frame; return True when it starts a new video.

        A ``video_id`` of None (frames with no video metadata) is treated as
        a new video every frame, so no state leaks between unrelated images.
        """
        new_video = video_id is None or video_id != self.video_id
        if new_video:
            self.reset()
            self.video_id = video_id
        self.frame_index += 1
        return new_video


@MODELS.register_module()
class ClipEncoderDecoder(ClipTrainingMixin, EncoderDecoder):
    """mmseg's EncoderDecoder fed with clips: it segments the key frame.

    The per-frame baseline of every video method, and the model UDA wrappers
    adapt when they need no temporal module. Accepts N x T x C x H x W clips
    (key frame at t = 0) or plain N x C x H x W images. Its UDA-seam calls
    (:class:`ClipTrainingMixin`) run every frame on its own.
    """

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        return super().loss(key_frames(inputs), data_samples)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        return super().predict(key_frames(inputs), data_samples)

    def _forward(self,
                 inputs: torch.Tensor,
                 data_samples: OptSampleList = None) -> torch.Tensor:
        return super()._forward(key_frames(inputs), data_samples)
