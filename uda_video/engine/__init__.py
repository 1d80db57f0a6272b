"""Hooks, optimizer constructors and model wrappers (uda_video scope)."""
from .data_parallel import TrainStepDataParallel, all_reduce_mean_grads
from .hooks import EMATeacherHook
from .optim_constructor import NamedModulesOptimWrapperConstructor
from .progress import TestProgressBarHook
from .reliability import (CheckpointMatchHook, FiniteLossHook,
                          RandomStateHook)

__all__ = [
    'CheckpointMatchHook', 'EMATeacherHook', 'FiniteLossHook',
    'NamedModulesOptimWrapperConstructor', 'RandomStateHook',
    'TestProgressBarHook', 'TrainStepDataParallel', 'all_reduce_mean_grads'
]
