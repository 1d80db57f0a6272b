"""Clip transforms (registered in TRANSFORMS)."""
from .formatting import PackClipInputs
from .geometry import (ClipBroadcaster, FlowAwareRandomCrop,
                       FlowAwareRandomFlip, FlowAwareResize, flip_flow,
                       resize_flow_array)
from .labels import (KeepLabelResolution, LoadPseudoLabel,
                     is_pseudo_label_path, pseudo_label_path)
from .loading import LoadClip, read_image
from .photometric import ClipPhotoMetricDistortion

__all__ = [
    'PackClipInputs', 'ClipBroadcaster', 'FlowAwareRandomCrop',
    'FlowAwareRandomFlip', 'FlowAwareResize', 'flip_flow', 'resize_flow_array',
    'LoadClip', 'read_image', 'ClipPhotoMetricDistortion',
    'KeepLabelResolution', 'LoadPseudoLabel', 'is_pseudo_label_path',
    'pseudo_label_path'
]
