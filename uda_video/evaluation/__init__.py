"""Registered in the uda_video scope; see uda_video.registry.

Metrics: VideoIoUMetric (mIoU), VPQMetric (video panoptic quality),
TemporalConsistencyMetric (TC); pure statistics in ``functional``;
``evaluate_vps_submission`` scores a Cityscapes-VPS submission on disk.
"""
from .cityscapes_vps import evaluate_vps_submission, rgb_to_id
from .functional import *  # noqa: F401,F403
from .functional import __all__ as _functional_all
from .metrics import TemporalConsistencyMetric, VideoIoUMetric, VPQMetric

__all__ = [
    'TemporalConsistencyMetric', 'VideoIoUMetric', 'VPQMetric',
    'evaluate_vps_submission', 'rgb_to_id'
] + list(_functional_all)
