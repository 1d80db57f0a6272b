from .base_video import (ClipEncoderDecoder, VideoState, clip_frames,
                         key_frames, single_video_id)
from .tdnet import TDNet
from .temporal_distill import TemporalDistillSegmentor
from .clip_training import (ClipSampling, ClipTrainingMixin, first_aux_head,
                            repeat_per_frame, seam_refusal, unflatten_frames)
from .backbone_stages import resnet_stages, stage_outputs
from .clockwork import (ClockworkSegmentor, fixed_rate_updates, label_change,
                        relative_change, tune_threshold)
from .dff import DFFSegmentor, propagate_features
from .scale_field import ScaleFieldHead
from .stateful import StatefulVideoSegmentor, batch_img_metas

__all__ = [
    'ClipEncoderDecoder', 'VideoState', 'clip_frames', 'key_frames',
    'single_video_id', 'resnet_stages', 'stage_outputs', 'ClockworkSegmentor',
    'fixed_rate_updates', 'label_change', 'relative_change', 'DFFSegmentor',
    'propagate_features', 'ScaleFieldHead', 'StatefulVideoSegmentor',
    'batch_img_metas', 'TDNet', 'TemporalDistillSegmentor', 'ClipSampling',
    'ClipTrainingMixin', 'first_aux_head', 'repeat_per_frame', 'seam_refusal',
    'unflatten_frames'
]
