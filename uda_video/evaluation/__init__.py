"""Registered in the uda_video scope; see uda_video.registry.

Metrics: VideoIoUMetric (mIoU), VPQMetric (video panoptic quality),
TemporalConsistencyMetric (TC); pure statistics in ``functional``;
``evaluate_vps_submission`` scores a Cityscapes-VPS submission on disk.
"""
from .cityscapes_vps import evaluate_vps_submission
from .metrics import TemporalConsistencyMetric, VideoIoUMetric, VPQMetric

__all__ = [
    'TemporalConsistencyMetric', 'VideoIoUMetric', 'VPQMetric',
    'evaluate_vps_submission'
]
