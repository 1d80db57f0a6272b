from .distillation import (FeatureDistillLoss, GroupedFeatureDistillLoss,
                           PairwiseDistillLoss, PixelDistillLoss, affinity,
                           feature_mse_distill, grouped_feature_distill,
                           pairwise_affinity_distill, pixel_kl_distill)
from .temporal import (MotionDistillLoss, TemporalConsistencyLoss,
                       motion_distill_loss, temporal_consistency_loss)

__all__ = [
    'FeatureDistillLoss', 'GroupedFeatureDistillLoss', 'MotionDistillLoss',
    'PairwiseDistillLoss', 'PixelDistillLoss', 'TemporalConsistencyLoss',
    'affinity', 'feature_mse_distill', 'grouped_feature_distill',
    'motion_distill_loss', 'pairwise_affinity_distill', 'pixel_kl_distill',
    'temporal_consistency_loss'
]
