"""Access to the optional compiled extension ``uda_video.ops._ext``.

setup.py builds it from ``csrc/`` where CUDA is available; elsewhere the ops
run their PyTorch references. Set ``UDA_VIDEO_DISABLE_EXT=1`` to force the
references (benchmarks compare the two this way).
"""
import importlib
import os
from typing import Optional

import torch

_UNSET = object()
_ext = _UNSET


def get_ext():
    """The compiled extension module, or ``None`` when it is not built."""
    global _ext
    if _ext is _UNSET:
        try:
            _ext = importlib.import_module('uda_video.ops._ext')
        except ImportError:
            _ext = None
    return _ext


def use_cuda_kernel(*tensors: torch.Tensor) -> bool:
    """Whether the CUDA kernels should run on ``tensors``.

    True when the extension is importable, not disabled by the environment,
    and every tensor is a float32/float64 CUDA tensor of one device.
    """
    if os.environ.get('UDA_VIDEO_DISABLE_EXT', '0') == '1':
        return False
    if not all(t.is_cuda for t in tensors):
        return False
    if len({t.device for t in tensors}) != 1:
        return False
    if not all(t.dtype in (torch.float32, torch.float64) for t in tensors):
        return False
    if len({t.dtype for t in tensors}) != 1:
        return False
    return get_ext() is not None


def ext_status() -> Optional[str]:
    """A one-line description of the extension's availability (for reports)."""
    ext = get_ext()
    return 'uda_video.ops._ext loaded' if ext is not None else \
        'uda_video.ops._ext not built: PyTorch references in use'
