"""Synthetic Sim2Real video benchmark (procedural scenes with exact flow)."""
from .scene import (SOURCE_STYLE, TARGET_STYLE, Frame, SceneRenderer,
                    ego_vehicle_mask, occlusion_free)
from .writer import write_benchmark

__all__ = [
    'SOURCE_STYLE', 'TARGET_STYLE', 'Frame', 'SceneRenderer',
    'ego_vehicle_mask', 'occlusion_free', 'write_benchmark'
]
