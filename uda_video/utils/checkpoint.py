"""Safe checkpoint loading under torch >= 2.6 (``weights_only=True`` by default).

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``, so on torch >= 2.6
every checkpoint goes through PyTorch's restricted unpickler. An mmengine runner
checkpoint holds, besides tensors and plain containers, the message hub's
``HistoryBuffer`` objects and numpy scalars. Those exact classes are allow-listed
here; the safety check itself stays on.

By default a ``HistoryBuffer`` pickles its statistics functions through
``builtins.getattr``, which is no class and would open the unpickler to any
attribute of an allowed object. :func:`_reduce_history_buffer` makes it pickle as
a plain constructor call on lists instead.
"""
import copyreg

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def _numpy_globals() -> list:
    """Callables and classes numpy arrays, dtypes and scalars pickle through."""
    try:  # numpy >= 2 moved the implementation under numpy._core.
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    found = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype]
    # numpy >= 1.25 pickles a dtype through its concrete class (Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        for name in dir(dtypes):
            obj = getattr(dtypes, name)
            if isinstance(obj, type) and issubclass(obj, np.dtype):
                found.append(obj)
    return found


def _reduce_history_buffer(buf: HistoryBuffer) -> tuple:
    """Pickle a HistoryBuffer as ``HistoryBuffer(logs, counts, max_length)``."""
    return (HistoryBuffer, (buf._log_history.tolist(),
                            buf._count_history.tolist(), buf.max_length))


def checkpoint_safe_globals() -> list:
    """The exact non-tensor classes found in mmengine runner checkpoints."""
    return [HistoryBuffer] + _numpy_globals()


def allow_mmengine_checkpoints() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load``.

    Idempotent. Also registers the HistoryBuffer reducer used when saving.
    On torch versions without ``torch.serialization.add_safe_globals`` (they
    load without restriction) only the reducer is registered.
    """
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(checkpoint_safe_globals())
