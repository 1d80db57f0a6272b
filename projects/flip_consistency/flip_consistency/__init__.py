"""Flip-consistency UDA: registers ``FlipConsistencyUDA`` on import."""
from .flip_consistency import FlipConsistencyUDA, flip_consistency_loss

__all__ = ['FlipConsistencyUDA', 'flip_consistency_loss']
