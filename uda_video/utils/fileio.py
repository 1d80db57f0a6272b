"""Atomic local writes for checkpoints and their bookkeeping files.

mmengine's ``LocalBackend.put`` opens the target with 'wb' and writes into it,
so a process killed mid-save (or a full disk) leaves a truncated checkpoint. The
``atomic_local`` backend writes a temporary file in the same folder, fsyncs it
and renames it over the target: a reader sees the old file or the new one,
never a partial one, and a failed write removes only its temporary file.
Importing ``uda_video`` registers it as mmengine's backend for local paths
(name ``'local'``, empty prefix), so every checkpoint and ``last_checkpoint``
written by any config is atomic; ``backend_args=dict(backend='atomic_local')``
names it explicitly.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio import io as mmengine_io


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` through a temporary file and a rename."""
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(filepath)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)


def register_atomic_backend() -> None:
    """Make the atomic backend mmengine's local backend (idempotent)."""
    register_backend('atomic_local', AtomicLocalBackend, force=True)
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    # Drop plain local backends mmengine built and cached before this call.
    cache = getattr(mmengine_io, 'backend_instances', {})
    for key in [k for k, v in cache.items() if type(v) is LocalBackend]:
        del cache[key]
