from .convert import (CheckpointMismatchError, convert_checkpoint,
                      convert_state_dict)
from .frozen_model import (FrozenModel, build_frozen_model, decode_features,
                           load_frozen_model)

__all__ = [
    'CheckpointMismatchError', 'convert_checkpoint', 'convert_state_dict',
    'FrozenModel', 'build_frozen_model', 'decode_features', 'load_frozen_model'
]
