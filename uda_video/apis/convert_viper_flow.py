"""VIPER's ground-truth flow (one npz per frame) to the project's PNG flow.

What ``tools/dataset_converters/convert_viper_flow.py`` runs (its docstring
gives the layout and what is not confirmed about the npz files): every
``{seq}_{frame:05d}.npz`` becomes ``{seq}/{seq}_{frame:05d}_flow_{d}.png``,
the file VIPERDataset reads, with invalid pixels (non-finite or beyond the
PNG range) marked invalid.
"""
import os
import os.path as osp
import re
import sys
import zipfile
import zlib
from typing import List, NamedTuple, Tuple

import numpy as np

from uda_video.datasets.flow_io import flow_file_name, write_flow

NPZ_RE = re.compile(r'^(?P<seq>.+)_(?P<frame>\d{5})\.npz$')
# KITTI PNG encoding of flow_io: value = round(flow * 64 + 2**15) in 0..65535.
_SCALE, _OFFSET, _MAX_CODE = 64.0, 2.0**15, 2**16 - 1


class ConvertTask(NamedTuple):
    """VIPER npz ``src`` converted to the flow PNG ``out``."""
    src: str
    out: str


def load_viper_flow(path: str) -> Tuple[np.ndarray, np.ndarray, int, int]:
    """Read one VIPER flow npz.

    Returns:
        (flow H x W x 2 float32 (u, v) in pixels, valid H x W bool,
        number of non-finite pixels, number of finite pixels beyond the PNG
        range); invalid pixels are not finite or beyond the range.

    Raises:
        ValueError naming ``path`` (and the arrays found) when it is not an
        npz archive holding ``u``/``v`` or a single H x W x 2 array.
    """
    try:
        archive = np.load(path)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError('a plain .npy array, not an npz archive')
        with archive:
            arrays = {k: archive[k] for k in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile,
            zlib.error) as e:
        raise ValueError(f'{path}: not a readable npz archive ({e})') from None
    found = ', '.join(f'{k} {a.dtype} {a.shape}'
                      for k, a in sorted(arrays.items())) or 'no arrays'
    single = list(arrays.values())[0] if len(arrays) == 1 else None
    if 'u' in arrays and 'v' in arrays:
        u, v = arrays['u'], arrays['v']
        if u.ndim != 2 or u.shape != v.shape:
            raise ValueError(f"{path}: 'u' and 'v' must be H x W arrays of "
                             f'one shape, found {found}')
        flow = np.stack([u, v], axis=2)
    elif single is not None and single.ndim == 3 and single.shape[2] == 2:
        flow = single
    else:
        raise ValueError(f"{path}: expected arrays 'u' and 'v' (H x W) or a "
                         f'single H x W x 2 array, found {found}')
    if not np.issubdtype(flow.dtype, np.number):
        raise ValueError(f'{path}: flow arrays must be numeric, found {found}')
    flow = flow.astype(np.float64)
    finite = np.isfinite(flow).all(axis=2)
    with np.errstate(invalid='ignore'):
        code = np.round(flow * _SCALE + _OFFSET)
        in_range = ((code >= 0) & (code <= _MAX_CODE)).all(axis=2)
    valid = finite & in_range
    return (flow.astype(np.float32), valid, int((~finite).sum()),
            int((finite & ~in_range).sum()))


def conversion_tasks(src_dir: str, out_dir: str,
                     direction: str) -> List[ConvertTask]:
    """Every npz under ``src_dir`` and its output, sorted by output path.

    Raises:
        FileNotFoundError when ``src_dir`` holds no npz; ValueError naming
        the file when a name is not ``{seq}_{frame:05d}.npz`` or two files
        give the same output.
    """
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'VIPER flow folder not found: {src_dir}')
    if direction not in ('fw', 'bw'):
        raise ValueError(f"direction must be 'fw' or 'bw', got {direction!r}")
    tasks = {}
    for root, _, files in os.walk(src_dir):
        for name in files:
            if not name.endswith('.npz'):
                continue
            src = osp.join(root, name)
            m = NPZ_RE.match(name)
            if m is None:
                raise ValueError(f'{src}: not a VIPER flow file name '
                                 '({seq}_{frame:05d}.npz)')
            out = osp.join(out_dir, m['seq'],
                           flow_file_name(name[:-len('.npz')], direction))
            if out in tasks:
                raise ValueError(f'{tasks[out]} and {src} both convert to '
                                 f'{out}')
            tasks[out] = src
    if not tasks:
        raise FileNotFoundError(f'no .npz files under {src_dir}')
    return [ConvertTask(src, out) for out, src in sorted(tasks.items())]


def run(src_dir: str, out_dir: str, direction: str, shard: Tuple[int, int],
        progress: bool) -> Tuple[int, int, int, int]:
    """Convert this shard's missing files.

    Returns:
        (written, skipped existing, non-finite pixels, pixels beyond the
        PNG range) over the written files.
    """
    index, count = shard
    mine = conversion_tasks(src_dir, out_dir, direction)[index::count]
    todo = [t for t in mine if not osp.isfile(t.out)]
    bar = None
    if progress and todo:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(todo))
    non_finite = beyond = 0
    for task in todo:
        flow, valid, n_nan, n_far = load_viper_flow(task.src)
        write_flow(task.out, flow, valid)
        non_finite += n_nan
        beyond += n_far
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stdout.write('\n')
    return len(todo), len(mine) - len(todo), non_finite, beyond
