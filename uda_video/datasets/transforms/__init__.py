"""Clip transforms (registered in TRANSFORMS)."""
from .formatting import PackClipInputs
from .geometry import (ClipBroadcaster, FlowAwareRandomCrop,
                       FlowAwareRandomFlip, FlowAwareResize, flip_flow,
                       resize_flow_array)
from .labels import (KeepLabelResolution, LoadPseudoLabel,
                     is_pseudo_label_path, pseudo_label_path)
from .loading import LoadClip, decode_panoptic, read_image
from .photometric import (ClipPhotoMetricDistortion, apply_photometric,
                          sample_photometric_params)

__all__ = [
    'PackClipInputs', 'ClipBroadcaster', 'FlowAwareRandomCrop',
    'FlowAwareRandomFlip', 'FlowAwareResize', 'flip_flow', 'resize_flow_array',
    'LoadClip', 'decode_panoptic', 'read_image', 'ClipPhotoMetricDistortion',
    'apply_photometric', 'sample_photometric_params', 'KeepLabelResolution',
    'LoadPseudoLabel', 'is_pseudo_label_path', 'pseudo_label_path'
]
