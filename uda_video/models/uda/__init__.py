"""UDA methods (registered in the uda_video MODELS registry)."""
from .adversarial import AdversarialUDA
from .base import UDASegmentor, sub_wrapper
from .discriminators import Sequence3DDiscriminator, SequenceDiscriminator
from .ema import EMATeacher
from .entropy import EntropyMinUDA
from .losses import adversarial_loss, entropy_loss, entropy_map
from .pseudo_labels import (apply_thresholds, class_balanced_thresholds,
                            confidence_histogram, fuse_probs,
                            temporal_agreement, temporal_pseudo_labels,
                            thresholds_from_histogram, warp_clip_probs)
from .self_training import SelfTrainingUDA

__all__ = [
    'AdversarialUDA', 'EMATeacher', 'EntropyMinUDA', 'SelfTrainingUDA',
    'Sequence3DDiscriminator', 'SequenceDiscriminator', 'UDASegmentor',
    'adversarial_loss', 'apply_thresholds', 'class_balanced_thresholds',
    'confidence_histogram', 'entropy_loss', 'entropy_map', 'fuse_probs',
    'sub_wrapper', 'temporal_agreement', 'temporal_pseudo_labels',
    'thresholds_from_histogram', 'warp_clip_probs'
]
