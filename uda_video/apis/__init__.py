"""What the command-line tools call (tools/ stays argument parsing)."""
from .demo_frames import FramePredictions, predict_frames
from .inference import (CheckpointMismatchError, FrameSink, blend,
                        build_test_pipeline, init_segmenter, read_frames,
                        segment_video)
from .training_log import logged_means

__all__ = [
    'CheckpointMismatchError', 'FramePredictions', 'FrameSink', 'blend',
    'build_test_pipeline', 'predict_frames',
    'init_segmenter', 'logged_means', 'read_frames', 'segment_video'
]
