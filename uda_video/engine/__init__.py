"""Registered in the uda_video scope; see uda_video.registry."""
from .hooks import EMATeacherHook
from .optim_constructor import (OPTIM_WRAPPER_CONSTRUCTORS,
                                NamedModulesOptimWrapperConstructor)

__all__ = [
    'EMATeacherHook', 'NamedModulesOptimWrapperConstructor',
    'OPTIM_WRAPPER_CONSTRUCTORS'
]
from .reliability import FiniteLossHook, RandomStateHook  # noqa: E402

__all__ += ['FiniteLossHook', 'RandomStateHook']
