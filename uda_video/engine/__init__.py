"""Hooks and optimizer constructors, registered in the uda_video scope."""
from .hooks import EMATeacherHook
from .optim_constructor import NamedModulesOptimWrapperConstructor
from .progress import TestProgressBarHook
from .reliability import FiniteLossHook, RandomStateHook

__all__ = [
    'EMATeacherHook', 'FiniteLossHook', 'NamedModulesOptimWrapperConstructor',
    'RandomStateHook', 'TestProgressBarHook'
]
