"""UDA methods (registered in the uda_video MODELS registry)."""
from .adversarial import AdversarialUDA
from .base import SEAM_CALLS, UDASegmentor, segmentor_call, sub_wrapper
from .dacs import DACS
from .davsn import DAVSN
from .discriminators import Sequence3DDiscriminator, SequenceDiscriminator
from .ema import EMATeacher
from .entropy import EntropyMinUDA
from .losses import (adversarial_loss, entropy_loss, entropy_map,
                     self_information)
from .mixing import (class_mix_masks, confidence_weight, mix,
                     mixed_pixel_weight, strong_augment)
from .pseudo_labels import (apply_thresholds, class_balanced_thresholds,
                            confidence_histogram, fuse_probs,
                            fused_predictions, running_thresholds,
                            temporal_agreement, temporal_pseudo_labels,
                            threshold_pseudo_labels,
                            thresholds_from_histogram, warp_clip_probs)
from .self_training import SelfTrainingUDA
from .temporal import cross_frame_pseudo_labels, temporal_pair
from .tps import TPS

__all__ = [
    'AdversarialUDA', 'DACS', 'DAVSN', 'TPS', 'EMATeacher', 'EntropyMinUDA', 'SelfTrainingUDA',
    'Sequence3DDiscriminator', 'SequenceDiscriminator', 'UDASegmentor',
    'adversarial_loss', 'apply_thresholds', 'class_balanced_thresholds',
    'confidence_histogram', 'entropy_loss', 'entropy_map', 'fuse_probs',
    'sub_wrapper', 'temporal_agreement', 'temporal_pseudo_labels',
    'thresholds_from_histogram', 'warp_clip_probs', 'SEAM_CALLS',
    'fused_predictions', 'running_thresholds', 'segmentor_call',
    'threshold_pseudo_labels', 'class_mix_masks', 'confidence_weight', 'mix',
    'mixed_pixel_weight', 'strong_augment', 'self_information',
    'cross_frame_pseudo_labels', 'temporal_pair'
]
