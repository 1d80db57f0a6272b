"""Hooks, optimizer constructors and model wrappers (uda_video scope)."""
from .data_parallel import TrainStepDataParallel
from .hooks import (EMATeacherHook, PredictionWriterHook,
                    VPSSubmissionHook)
from .optim_constructor import NamedModulesOptimWrapperConstructor
from .progress import TestProgressBarHook
from .reliability import (CheckpointMatchHook, FiniteLossHook,
                          RandomStateHook)

__all__ = [
    'CheckpointMatchHook', 'EMATeacherHook', 'FiniteLossHook',
    'NamedModulesOptimWrapperConstructor', 'PredictionWriterHook',
    'RandomStateHook', 'TestProgressBarHook', 'TrainStepDataParallel',
    'VPSSubmissionHook'
]
