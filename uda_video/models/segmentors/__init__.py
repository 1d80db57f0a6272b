from .base_video import ClipEncoderDecoder, VideoState, clip_frames, key_frames
from .clip_training import (ClipSampling, ClipTrainingMixin, repeat_per_frame,
                            unflatten_frames)
from .clockwork import (ClockworkSegmentor, fixed_rate_updates, label_change,
                        relative_change)
from .dff import DFFSegmentor, propagate_features
from .stateful import (StatefulVideoMixin, StatefulVideoSegmentor,
                       batch_img_metas, key_last_pairs, key_last_sampling)
from .tdnet import TDNet
from .temporal_distill import TemporalDistillSegmentor

__all__ = [
    'ClipEncoderDecoder', 'VideoState', 'clip_frames', 'key_frames',
    'ClipSampling', 'ClipTrainingMixin', 'repeat_per_frame',
    'unflatten_frames', 'ClockworkSegmentor', 'fixed_rate_updates',
    'label_change', 'relative_change', 'DFFSegmentor', 'propagate_features',
    'StatefulVideoMixin', 'StatefulVideoSegmentor', 'batch_img_metas',
    'key_last_pairs', 'key_last_sampling', 'TDNet', 'TemporalDistillSegmentor'
]
