from .checkpoint import allow_mmengine_checkpoints, checkpoint_safe_globals
from .set_env import register_all_modules

__all__ = [
    'allow_mmengine_checkpoints', 'checkpoint_safe_globals',
    'register_all_modules'
]
