"""Atomic local writes for checkpoints and their bookkeeping files.

mmengine's ``LocalBackend.put`` opens the target with 'wb' and writes into it,
so a process killed mid-save (or a full disk) leaves a truncated checkpoint. The
``atomic_local`` backend writes a temporary file in the same folder, fsyncs it
and renames it over the target: a reader sees the old file or the new one,
never a partial one, and a failed write removes only its temporary file.
Select it with ``backend_args=dict(backend='atomic_local')`` (the schedules in
configs/_base_/schedules do so for the CheckpointHook).
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


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
    """Make ``backend_args=dict(backend='atomic_local')`` available (idempotent)."""
    register_backend('atomic_local', AtomicLocalBackend, force=True)
