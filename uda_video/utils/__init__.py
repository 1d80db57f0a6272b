from .checkpoint import allow_mmengine_checkpoints, checkpoint_safe_globals
from .set_env import register_all_modules
from .teacher import (FrozenModel, build_frozen_teacher, decode_features,
                      load_frozen_model)

__all__ = [
    'allow_mmengine_checkpoints', 'checkpoint_safe_globals',
    'register_all_modules', 'FrozenModel', 'build_frozen_teacher',
    'decode_features', 'load_frozen_model'
]
