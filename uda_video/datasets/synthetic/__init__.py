"""Synthetic Sim2Real video benchmark (procedural scenes with exact flow)."""
from .scene import (SCENE_CLASSES, SOURCE_STYLE, TARGET_STYLE, DomainStyle,
                    Frame, SceneRenderer, ego_vehicle_mask, occlusion_free)
from .writer import (cityscapes_labelled_frame, split_videos,
                     vps_annotated_frames, write_benchmark)

__all__ = [
    'SCENE_CLASSES', 'SOURCE_STYLE', 'TARGET_STYLE', 'DomainStyle', 'Frame',
    'SceneRenderer', 'ego_vehicle_mask', 'occlusion_free',
    'cityscapes_labelled_frame', 'split_videos', 'vps_annotated_frames',
    'write_benchmark'
]
