"""UDA methods (registered in the uda_video MODELS registry)."""
from .adversarial import AdversarialUDA
from .base import UDASegmentor, segmentor_call, sub_wrapper
from .dacs import DACS
from .davsn import DAVSN
from .discriminators import Sequence3DDiscriminator, SequenceDiscriminator
from .ema import EMATeacher
from .entropy import EntropyMinUDA
from .losses import (adversarial_loss, entropy_loss, entropy_map,
                     self_information)
from .mixing import (class_mix_masks, confidence_weight, mix,
                     mixed_pixel_weight, strong_augment)
from .pseudo_label_comparison import compare_pseudo_labels
from .pseudo_labels import (class_balanced_thresholds, confidence_histogram,
                            fuse_probs, fused_predictions, temporal_agreement,
                            temporal_pseudo_labels, threshold_pseudo_labels,
                            thresholds_from_histogram, warp_clip_probs)
from .self_training import SelfTrainingUDA
from .temporal import cross_frame_pseudo_labels, temporal_pair
from .tps import TPS

__all__ = [
    'AdversarialUDA', 'DACS', 'DAVSN', 'TPS', 'EMATeacher', 'EntropyMinUDA',
    'SelfTrainingUDA', 'Sequence3DDiscriminator', 'SequenceDiscriminator',
    'UDASegmentor', 'segmentor_call', 'sub_wrapper', 'adversarial_loss',
    'entropy_loss', 'entropy_map', 'self_information', 'class_mix_masks',
    'confidence_weight', 'mix', 'mixed_pixel_weight', 'strong_augment',
    'compare_pseudo_labels', 'class_balanced_thresholds',
    'confidence_histogram', 'fuse_probs', 'fused_predictions',
    'temporal_agreement', 'temporal_pseudo_labels', 'threshold_pseudo_labels',
    'thresholds_from_histogram', 'warp_clip_probs', 'cross_frame_pseudo_labels',
    'temporal_pair'
]
