from .attention_propagation import AttentionPropagation, attention_propagate
from .backbone_stages import resnet_stages, stage_outputs
from .key_frame_schedule import KeyFrameSchedule
from .scale_field import ScaleFieldHead
from .td_subnetwork import PSPSubNetwork

__all__ = [
    'AttentionPropagation', 'KeyFrameSchedule', 'PSPSubNetwork',
    'ScaleFieldHead', 'attention_propagate', 'resnet_stages', 'stage_outputs'
]
