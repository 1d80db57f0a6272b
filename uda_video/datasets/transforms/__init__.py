"""Clip transforms (registered in TRANSFORMS)."""
from .formatting import PackClipInputs
from .geometry import (ClipBroadcaster, FlowAwareRandomCrop,
                       FlowAwareRandomFlip, FlowAwareResize, flip_flow,
                       resize_flow)
from .loading import LoadClip, decode_panoptic, read_image
from .photometric import (ClipPhotoMetricDistortion, apply_photometric,
                          sample_photometric_params)

__all__ = [
    'PackClipInputs', 'ClipBroadcaster', 'FlowAwareRandomCrop',
    'FlowAwareRandomFlip', 'FlowAwareResize', 'flip_flow', 'resize_flow',
    'LoadClip', 'decode_panoptic', 'read_image', 'ClipPhotoMetricDistortion',
    'apply_photometric', 'sample_photometric_params'
]
