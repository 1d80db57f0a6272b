"""Accel-style fusion plug-in: import it with ``custom_imports`` in a config."""
from .accel_segmentor import AccelSegmentor
from .fusion import ScoreFusion, warp_scores

__all__ = ['AccelSegmentor', 'ScoreFusion', 'warp_scores']
