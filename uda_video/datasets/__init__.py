"""Registered in the uda_video scope; see uda_video.registry."""
from .cityscapes_seq import CityscapesSeqDataset
from .cityscapes_vps import CityscapesVPSDataset
from .classes import (CITYSCAPES_19, CITYSCAPES_19_PALETTE, SHARED_15,
                      SHARED_15_PALETTE)
from .samplers import VideoSampler
from .skip_bad_samples import SkipBadSamples
from . import transforms  # noqa: F401  (registers the clip transforms)
from .uda_dataset import UDADataset
from .video_base import BaseVideoDataset
from .viper import VIPERDataset

__all__ = [
    'BaseVideoDataset', 'VIPERDataset', 'CityscapesSeqDataset',
    'CityscapesVPSDataset', 'SkipBadSamples', 'UDADataset', 'VideoSampler', 'CITYSCAPES_19',
    'CITYSCAPES_19_PALETTE', 'SHARED_15', 'SHARED_15_PALETTE'
]
