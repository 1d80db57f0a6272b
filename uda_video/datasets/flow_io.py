"""Reading and writing optical flow files.

The project's flow format is a 16-bit PNG in the KITTI encoding: three uint16
channels (u, v, valid) with ``value = flow * 64 + 2**15`` for u and v and
``valid`` in {0, 1}; range +-512 px at 1/64 px. cv2 stores channels in BGR
order, so the file's pixel (B, G, R) holds (valid, v, u). Middlebury ``.flo``
files are read too. In memory a flow is float32 H x W x 2 (u, v) in pixels and
a validity mask H x W bool.
"""
import os
import os.path as osp
from typing import Optional, Tuple

import cv2
import numpy as np

_SCALE = 64.0
_OFFSET = 2.0**15
_FLO_MAGIC = 202021.25
FLOW_DIRECTIONS = ('fw', 'bw')


def flow_file_name(stem: str, direction: str) -> str:
    """The flow file of a frame: ``{stem}_flow_{direction}.png``.

    Args:
        stem: the frame's name up to its frame number (``{seq}_{frame:05d}``
            for VIPER, ``{city}_{seq:06d}_{frame:06d}`` for Cityscapes
            sequences, the name without ``_leftImg8bit.png`` for
            Cityscapes-VPS), optionally with its folder.
        direction: 'fw' (flow t -> t+1) or 'bw' (t -> t-1).
    """
    if direction not in FLOW_DIRECTIONS:
        raise ValueError(f"flow direction must be 'fw' or 'bw', got "
                         f'{direction!r} (frame {stem})')
    return f'{stem}_flow_{direction}.png'


def encode_flow_png(flow: np.ndarray,
                    valid: Optional[np.ndarray] = None) -> np.ndarray:
    """H x W x 2 float flow (+ H x W validity) -> H x W x 3 uint16 BGR image."""
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f'flow must be H x W x 2, got {flow.shape}')
    if valid is None:
        valid = np.isfinite(flow).all(axis=2)
    flow = np.nan_to_num(flow.astype(np.float64), nan=0.0, posinf=0.0,
                         neginf=0.0)
    enc = np.clip(np.round(flow * _SCALE + _OFFSET), 0, 2**16 - 1)
    out = np.empty(flow.shape[:2] + (3, ), np.uint16)
    out[..., 0] = valid.astype(np.uint16)
    out[..., 1] = enc[..., 1]
    out[..., 2] = enc[..., 0]
    return out


def decode_flow_png(img: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """H x W x 3 uint16 BGR image -> (H x W x 2 float32 flow, H x W bool valid)."""
    if img.dtype != np.uint16 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError('a flow PNG must be 3-channel 16-bit, got '
                         f'{img.dtype} {img.shape}')
    flow = np.stack([img[..., 2], img[..., 1]], axis=2).astype(np.float32)
    flow = (flow - _OFFSET) / _SCALE
    valid = img[..., 0] > 0
    flow[~valid] = 0.0
    return flow, valid


def write_flow(path: str,
               flow: np.ndarray,
               valid: Optional[np.ndarray] = None) -> None:
    """Write a flow PNG atomically (temporary file, then rename)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    ok, buf = cv2.imencode('.png', encode_flow_png(flow, valid))
    if not ok:
        raise IOError(f'could not encode flow for {path}')
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(buf.tobytes())
    os.replace(tmp, path)


def read_flow(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read a flow file (.png as above, or Middlebury .flo).

    Returns:
        (flow H x W x 2 float32 in pixels, valid H x W bool).

    Raises:
        FileNotFoundError / ValueError naming ``path`` when missing or corrupt.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'flow file not found: {path}')
    if path.endswith('.flo'):
        with open(path, 'rb') as f:
            header = np.fromfile(f, np.float32, count=1)
            if header.size != 1 or header[0] != _FLO_MAGIC:
                raise ValueError(f'not a Middlebury .flo file: {path}')
            w, h = np.fromfile(f, np.int32, count=2)
            data = np.fromfile(f, np.float32, count=2 * w * h)
        if data.size != 2 * w * h:
            raise ValueError(f'truncated .flo file: {path}')
        flow = data.reshape(h, w, 2)
        return flow, np.isfinite(flow).all(axis=2)
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'could not decode flow PNG: {path}')
    try:
        return decode_flow_png(img)
    except ValueError as e:
        raise ValueError(f'{path}: {e}') from None
