from .convert import (CheckpointMismatchError, convert_checkpoint,
                      convert_state_dict)

__all__ = ['CheckpointMismatchError', 'convert_checkpoint',
           'convert_state_dict']
