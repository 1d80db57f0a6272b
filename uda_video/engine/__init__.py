"""Hooks and optimizer constructors, registered in the uda_video scope."""
from .hooks import EMATeacherHook
from .optim_constructor import NamedModulesOptimWrapperConstructor
from .progress import TestProgressBarHook
from .reliability import (CheckpointMatchHook, FiniteLossHook,
                          RandomStateHook)

__all__ = [
    'CheckpointMatchHook', 'EMATeacherHook', 'FiniteLossHook',
    'NamedModulesOptimWrapperConstructor', 'RandomStateHook',
    'TestProgressBarHook'
]
