"""What the command-line tools call (tools/ stays argument parsing)."""
from .inference import (CheckpointMismatchError, FrameSink, Segmenter,
                        blend, build_test_pipeline, init_segmenter,
                        load_state_dict_exactly, read_frames, segment_video)

__all__ = [
    'CheckpointMismatchError', 'FrameSink', 'Segmenter', 'blend',
    'build_test_pipeline', 'init_segmenter', 'load_state_dict_exactly',
    'read_frames', 'segment_video'
]
