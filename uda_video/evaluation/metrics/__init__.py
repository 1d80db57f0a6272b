from .temporal_consistency_metric import TemporalConsistencyMetric
from .video_iou_metric import VideoIoUMetric
from .vpq_metric import VPQMetric

__all__ = ['TemporalConsistencyMetric', 'VideoIoUMetric', 'VPQMetric']
