"""Which optical-flow files a split or a config needs, and computing them.

What ``tools/dataset_converters/compute_flow.py`` runs (its docstring
describes the two modes): folder mode groups the frames of a folder into
videos by their names (``generic`` or Cityscapes-VPS ``vps`` naming) and
lists every (frame, neighbour) pair; config mode lists the pairs a config's
datasets read (:func:`config_tasks`). Pairs are computed with a classical
backend (``ClassicalFlow``) at an estimation size and written at the frame's
size in the project's flow format (``uda_video.datasets.flow_io``), skipping
complete files, optionally sharded and in several processes.
"""
import argparse
import multiprocessing
import os
import os.path as osp
import re
import struct
import sys
import time
from collections import defaultdict
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2

from uda_video.datasets.cityscapes_vps import VPS_FRAME_RE
from uda_video.datasets.flow_io import flow_file_name, write_flow
from uda_video.datasets.transforms.geometry import resize_flow_array
from uda_video.registry import MODELS

_FRAME_RE = re.compile(r'^(?P<prefix>.*?)(?P<number>\d+)(?P<tail>\D*)$')
NAMINGS = ('auto', 'generic', 'vps')


class FlowTask(NamedTuple):
    """Flow from frame ``src`` to frame ``dst`` written to ``out``.

    ``scale``: estimate at this (w, h) keep-ratio bound (None: frame size);
    the file is always written at the frame's size.
    """
    src: str
    dst: str
    out: str
    scale: Optional[Tuple[int, int]] = None


def parse_frame_name(stem: str) -> Tuple[str, int, str]:
    """Split a frame name into (prefix, frame number, tail).

    The frame number is the last '_'-separated all-digit token
    ('city_000001_000019_leftImg8bit' -> ('city_000001_', 19, '_leftImg8bit'),
    '001_00042' -> ('001_', 42, '')); names without one end with digits
    ('frame0042' -> ('frame', 42, '')).
    """
    tokens = stem.split('_')
    digits = [i for i, tok in enumerate(tokens) if tok.isdigit()]
    if digits:
        i = digits[-1]
        prefix = ''.join(tok + '_' for tok in tokens[:i])
        tail = ''.join('_' + tok for tok in tokens[i + 1:])
        return prefix, int(tokens[i]), tail
    m = _FRAME_RE.match(stem)
    if m is None:
        raise ValueError(f'no frame number at the end of the name {stem!r}')
    return m['prefix'], int(m['number']), m['tail']


def group_videos(rel_paths: Sequence[str]) -> Dict[Tuple[str, str, str], List]:
    """Group relative frame paths into videos ordered by frame number.

    Returns:
        {(folder, prefix, tail): [(frame_number, rel_path), ...] sorted}.

    Raises:
        ValueError naming the path when a name has no frame number or two
        files share a video and a frame number.
    """
    videos = defaultdict(list)
    for rel in rel_paths:
        folder, name = osp.split(rel)
        try:
            prefix, number, tail = parse_frame_name(osp.splitext(name)[0])
        except ValueError as e:
            raise ValueError(f'{rel}: {e}') from None
        videos[(folder, prefix, tail)].append((number, rel))
    for key, frames in videos.items():
        frames.sort()
        numbers = [n for n, _ in frames]
        if len(set(numbers)) != len(numbers):
            dup = sorted({n for n in numbers if numbers.count(n) > 1})
            raise ValueError(f'video {key} has several files for frame '
                             f'number(s) {dup}')
    return dict(videos)


def parse_vps_name(name: str) -> Optional[Tuple[str, int, str]]:
    """A Cityscapes-VPS file name -> (video id, frame index, stem), else None.

    '0001_0002_city_000001_000020_leftImg8bit.png' ->
    ('0001', 2, '0001_0002_city_000001_000020'); the stem is what
    CityscapesVPSDataset puts before ``_flow_{fw,bw}.png``.
    """
    m = VPS_FRAME_RE.match(name)
    if m is None:
        return None
    return m.group(1), int(m.group(2)), name.rsplit('_', 1)[0]


def resolve_naming(rel_paths: Sequence[str], naming: str) -> str:
    """'generic' or 'vps' for ``naming`` in NAMINGS (see module docstring).

    Raises:
        ValueError naming a file that is not a VPS name under 'vps', or one
        VPS and one other name when 'auto' meets mixed names.
    """
    if naming not in NAMINGS:
        raise ValueError(f'--naming must be one of {NAMINGS}, got {naming!r}')
    if naming == 'generic':
        return naming
    is_vps = [parse_vps_name(osp.basename(r)) is not None for r in rel_paths]
    if all(is_vps):
        return 'vps'
    other = rel_paths[is_vps.index(False)]
    if naming == 'vps':
        raise ValueError(
            f'--naming vps: {other} is not a Cityscapes-VPS frame name '
            '(VVVV_FFFF_<city>_SSSSSS_FFFFFF_leftImg8bit.png)')
    if not any(is_vps):
        return 'generic'
    raise ValueError(
        f'--naming auto: {rel_paths[is_vps.index(True)]} is a Cityscapes-VPS '
        f'frame name but {other} is not; pass --naming vps or generic')


def group_vps_videos(rel_paths: Sequence[str]
                     ) -> Dict[Tuple[str, str], List[Tuple[int, str]]]:
    """Group Cityscapes-VPS frame paths into videos ordered by frame index.

    Returns:
        {(folder, video id): [(frame index, rel_path), ...] sorted}.

    Raises:
        ValueError naming the path when a name is not a VPS name, two files
        share a video and a frame index, or a frame index is missing.
    """
    videos = defaultdict(list)
    for rel in rel_paths:
        folder, name = osp.split(rel)
        parsed = parse_vps_name(name)
        if parsed is None:
            raise ValueError(f'{rel}: not a Cityscapes-VPS frame name')
        videos[(folder, parsed[0])].append((parsed[1], rel))
    for (folder, vid), frames in videos.items():
        frames.sort()
        for (a, rel_a), (b, rel_b) in zip(frames, frames[1:]):
            if b == a:
                raise ValueError(f'{rel_a} and {rel_b} are both frame {a:04d} '
                                 f'of VPS video {vid}')
            if b != a + 1:
                raise ValueError(
                    f'VPS video {vid} misses frame index {a + 1:04d} between '
                    f'{rel_a} and {rel_b}; flow needs consecutive frames '
                    '(use img_all, which holds every frame)')
    return dict(videos)


def video_frames(rel_paths: Sequence[str],
                 naming: str = 'auto') -> List[List[Tuple[str, str]]]:
    """The videos of ``rel_paths`` in a deterministic order.

    Returns:
        One list per video of (rel_path, out_base) in frame order; out_base is
        the flow files' path relative to OUT_DIR without
        ``_flow_{fw,bw}.png``.
    """
    if resolve_naming(rel_paths, naming) == 'vps':
        return [[(rel, osp.join(folder, parse_vps_name(osp.basename(rel))[2]))
                 for _, rel in frames]
                for (folder, _), frames in sorted(
                    group_vps_videos(rel_paths).items())]
    videos = []
    for (folder, _, tail), frames in sorted(group_videos(rel_paths).items()):
        video, prev = [], None
        for number, rel in frames:
            if prev is not None and number != prev + 1:
                # A gap in the numbering ends a video (the snippets of one
                # Cityscapes {city}_{seq}): no flow across it.
                videos.append(video)
                video = []
            stem = osp.splitext(osp.basename(rel))[0]
            video.append((rel, osp.join(folder, stem[:len(stem) - len(tail)])))
            prev = number
        videos.append(video)
    return videos


def flow_tasks(img_dir: str, out_dir: str, rel_paths: Sequence[str],
               directions: Sequence[str],
               naming: str = 'auto') -> List[FlowTask]:
    """Every (frame, neighbour) flow to compute, in a deterministic order."""
    tasks = []
    for frames in video_frames(rel_paths, naming):
        for i, (rel, base) in enumerate(frames):
            base = osp.join(out_dir, base)
            if 'fw' in directions and i + 1 < len(frames):
                tasks.append(FlowTask(osp.join(img_dir, rel),
                                      osp.join(img_dir, frames[i + 1][0]),
                                      flow_file_name(base, 'fw')))
            if 'bw' in directions and i > 0:
                tasks.append(FlowTask(osp.join(img_dir, rel),
                                      osp.join(img_dir, frames[i - 1][0]),
                                      flow_file_name(base, 'bw')))
    return tasks


def parse_shard(text: str) -> Tuple[int, int]:
    """'I/N' -> (I, N) with 0 <= I < N."""
    m = re.fullmatch(r'(\d+)/(\d+)', text.strip())
    if m is None or not 0 <= int(m[1]) < int(m[2]):
        raise argparse.ArgumentTypeError(
            f'--shard must be I/N with 0 <= I < N, got {text!r}')
    return int(m[1]), int(m[2])


def list_frames(img_dir: str, suffixes: Sequence[str]) -> List[str]:
    """Relative paths of the images under ``img_dir`` (sorted)."""
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'image folder not found: {img_dir}')
    found = []
    for root, _, files in os.walk(img_dir):
        for f in files:
            if f.lower().endswith(tuple(suffixes)):
                found.append(osp.relpath(osp.join(root, f), img_dir))
    if not found:
        raise FileNotFoundError(
            f'no images with suffix {tuple(suffixes)} under {img_dir}')
    return sorted(found)


# -- reading, checking and writing one pair ----------------------------------
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_PNG_IEND = b'\x00\x00\x00\x00IEND\xaeB`\x82'


def _read(path: str):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f'could not read image {path}')
    return img


def image_hw(path: str) -> Tuple[int, int]:
    """(h, w) of an image from its header (the pixels are not decoded)."""
    from PIL import Image
    try:
        with Image.open(path) as im:
            w, h = im.size
    except (OSError, SyntaxError) as e:
        raise ValueError(f'could not read image {path} ({e})') from None
    return h, w


def flow_file_ok(path: str, frame_hw: Tuple[int, int]) -> bool:
    """Whether ``path`` is a complete flow PNG of the frame's size.

    Checks the PNG signature, a 16-bit RGB header of ``frame_hw`` = (h, w) and
    the closing IEND chunk (a file cut short by a kill lacks it); the pixels
    are not decoded.
    """
    try:
        if os.path.getsize(path) < len(_PNG_SIGNATURE) + 25 + len(_PNG_IEND):
            return False
        with open(path, 'rb') as f:
            head = f.read(26)
            f.seek(-len(_PNG_IEND), os.SEEK_END)
            tail = f.read()
    except OSError:
        return False
    if head[:8] != _PNG_SIGNATURE or head[12:16] != b'IHDR':
        return False
    w, h = struct.unpack('>II', head[16:24])
    return (h, w) == tuple(frame_hw) and head[24] == 16 and head[25] == 2 \
        and tail == _PNG_IEND


def estimate_hw(frame_hw: Tuple[int, int],
                scale: Optional[Tuple[int, int, bool]]) -> Tuple[int, int]:
    """(h, w) the flow of a frame of ``frame_hw`` is estimated at.

    Args:
        scale: None (the frame's size) or (w, h, keep_ratio) as mmcv's
            Resize: with keep_ratio the frame is fitted into the long / short
            side bounds, else resized to (w, h). Never above the frame's size.
    """
    h0, w0 = frame_hw
    if scale is None:
        return h0, w0
    w, h, keep_ratio = scale
    if keep_ratio:
        factor = min(max(w, h) / max(w0, h0), min(w, h) / min(w0, h0))
        h, w = int(h0 * factor + 0.5), int(w0 * factor + 0.5)
    return min(h, h0), min(w, w0)


def classical_flow(method: str, preset: str):
    """The ``ClassicalFlow`` backend (built through the MODELS registry)."""
    return MODELS.build(dict(type='ClassicalFlow', method=method,
                             preset=preset))


def compute_pair(backend, task: FlowTask) -> None:
    """Estimate ``task``'s flow (at its scale) and write it at frame size."""
    src, dst = _read(task.src), _read(task.dst)
    h, w = src.shape[:2]
    if dst.shape[:2] != (h, w):
        raise ValueError(f'frames {task.src} ({w}x{h}) and {task.dst} '
                         f'({dst.shape[1]}x{dst.shape[0]}) differ in size')
    eh, ew = estimate_hw((h, w), task.scale)
    if (eh, ew) != (h, w):
        small = [cv2.resize(im, (ew, eh), interpolation=cv2.INTER_AREA)
                 for im in (src, dst)]
        flow = resize_flow_array(backend.compute(*small), (h, w))
    else:
        flow = backend.compute(src, dst)
    write_flow(task.out, flow)


# -- running many pairs: workers and progress --------------------------------
class Progress:
    """A bar on a terminal; else a line every 5% with rate and time left."""

    def __init__(self, total: int, enabled: bool, tty: bool) -> None:
        self.total, self.done, self.start = total, 0, time.time()
        self.enabled = enabled and total > 0
        self.bar = None
        if self.enabled and tty:
            from mmengine.utils import ProgressBar
            self.bar = ProgressBar(total)
        self.every = max(1, total // 20)

    def update(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update()
            if self.done == self.total:
                sys.stdout.write('\n')
            return
        if self.done % self.every == 0 or self.done == self.total:
            rate = self.done / max(time.time() - self.start, 1e-9)
            left = (self.total - self.done) / rate
            print(f'{self.done}/{self.total} pairs, {rate:.2f} pairs/s, '
                  f'{left / 3600:.2f} h left', flush=True)


_WORKER_BACKEND = None


def _init_worker(method: str, preset: str) -> None:
    global _WORKER_BACKEND
    cv2.setNumThreads(1)  # one process per core
    _WORKER_BACKEND = classical_flow(method, preset)


def _work(task: FlowTask) -> str:
    compute_pair(_WORKER_BACKEND, task)
    return task.out


def pending(tasks: Sequence[FlowTask]) -> List[FlowTask]:
    """The tasks whose file is missing or not a valid flow of its frame."""
    return [t for t in tasks if not flow_file_ok(t.out, image_hw(t.src))]


def compute_tasks(tasks: Sequence[FlowTask], method: str, preset: str,
                  workers: int = 1, progress: bool = False
                  ) -> Tuple[int, int]:
    """Compute the pending ``tasks``. Returns (written, skipped)."""
    if workers < 1:
        raise ValueError(f'--workers must be >= 1, got {workers}')
    todo = pending(tasks)
    bar = Progress(len(todo), progress, sys.stdout.isatty())
    if workers == 1 or len(todo) <= 1:
        backend = classical_flow(method, preset)
        for task in todo:
            compute_pair(backend, task)
            bar.update()
    else:
        # spawn: a fork after OpenCV's thread pool ran can deadlock
        ctx = multiprocessing.get_context('spawn')
        with ctx.Pool(workers, initializer=_init_worker,
                      initargs=(method, preset)) as pool:
            for _ in pool.imap_unordered(_work, todo, chunksize=2):
                bar.update()
    return len(todo), len(tasks) - len(todo)


def shard_of(tasks: Sequence, shard: Tuple[int, int]) -> list:
    """Every N-th task starting at I for ``shard`` = (I, N)."""
    index, count = shard
    return list(tasks[index::count])


def run(img_dir: str, out_dir: str, method: str, preset: str,
        directions: Sequence[str], suffixes: Sequence[str],
        shard: Tuple[int, int], progress: bool,
        naming: str = 'auto', workers: int = 1,
        scale: Optional[Tuple[int, int, bool]] = None) -> Tuple[int, int]:
    """Folder mode: this shard's missing flows. Returns (written, skipped)."""
    tasks = flow_tasks(img_dir, out_dir, list_frames(img_dir, suffixes),
                       directions, naming)
    tasks = [t._replace(scale=scale) for t in tasks]
    return compute_tasks(shard_of(tasks, shard), method, preset, workers,
                         progress)


# -- config mode: the pairs a config's datasets read -------------------------
RESIZE_TYPES = ('Resize', 'FlowAwareResize', 'RandomResize',
                'RandomChoiceResize')


def _wh(scale) -> Optional[Tuple[int, int]]:
    if isinstance(scale, (int, float)):
        return int(scale), int(scale)
    if (isinstance(scale, (list, tuple)) and len(scale) == 2
            and all(isinstance(v, (int, float)) for v in scale)):
        return int(scale[0]), int(scale[1])
    if isinstance(scale, (list, tuple)) and scale:  # a range / choice list
        sizes = [_wh(s) for s in scale]
        sizes = [s for s in sizes if s is not None]
        return max(sizes, key=lambda s: s[0] * s[1]) if sizes else None
    return None


def pipeline_scale(pipeline) -> Optional[Tuple[int, int, bool]]:
    """The largest (w, h, keep_ratio) a pipeline resizes frames to, or None.

    Reads ``Resize``/``FlowAwareResize`` (``scale``), ``RandomResize``
    (``scale`` times the top of ``ratio_range``) and ``RandomChoiceResize``
    (the largest of ``scales``), nested in any ``transforms`` list (e.g.
    ``ClipBroadcaster``); ``keep_ratio`` as the transform sets it.
    """
    found = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = str(node.get('type', '')).split('.')[-1]
        if kind in RESIZE_TYPES:
            wh = _wh(node.get('scales' if kind == 'RandomChoiceResize'
                              else 'scale'))
            if wh is not None:
                if kind == 'RandomResize' and node.get('ratio_range'):
                    top = max(node['ratio_range'])
                    wh = (int(wh[0] * top + 0.5), int(wh[1] * top + 0.5))
                kwargs = node.get('resize_cfg', node)
                found.append((wh[0], wh[1],
                              bool(kwargs.get('keep_ratio', False))))
        for key in ('transforms', 'transform'):
            if key in node:
                walk(node[key])

    walk(pipeline)
    return max(found, key=lambda s: s[0] * s[1]) if found else None


def _layout_cityscapes_seq(ds, img_path):
    return (osp.join(ds.data_root, 'leftImg8bit_sequence', ds.split),
            osp.join(ds.data_root, 'flow', ds.split))


def _layout_viper(ds, img_path):
    return (osp.join(ds.data_root, ds.split, 'img'),
            osp.join(ds.data_root, ds.split, 'flow'))


def _layout_vps(ds, img_path):
    img_dir = osp.dirname(img_path)  # {split}/img_all (or img)
    return img_dir, osp.join(osp.dirname(img_dir), 'flow')


# Dataset type -> (folder its frames lie under, folder of its flow files).
FLOW_LAYOUTS = {
    'CityscapesSeqDataset': _layout_cityscapes_seq,
    'VIPERDataset': _layout_viper,
    'CityscapesVPSDataset': _layout_vps,
}


def flow_file(dataset, img_path: str, direction: str) -> str:
    """Where ``dataset`` looks for the ``direction`` ('fw'/'bw') flow of a
    frame: ``{flow root}/{folder}/{name up to the frame number}_flow_{d}.png``
    (the layouts of :data:`FLOW_LAYOUTS`)."""
    for cls in type(dataset).__mro__:
        if cls.__name__ in FLOW_LAYOUTS:
            img_root, flow_root = FLOW_LAYOUTS[cls.__name__](dataset,
                                                             img_path)
            break
    else:
        raise TypeError(f'{type(dataset).__name__}: no flow layout known '
                        f'(supported: {", ".join(FLOW_LAYOUTS)})')
    rel = osp.relpath(img_path, img_root)
    stem = osp.splitext(osp.basename(rel))[0]
    tail = parse_frame_name(stem)[2]
    return osp.join(flow_root, osp.dirname(rel),
                    flow_file_name(stem[:len(stem) - len(tail)], direction))


def config_dataset_cfgs(cfg) -> List[Tuple[str, dict]]:
    """(where, dataset config) of every leaf dataset of the ``*_dataloader``
    entries (train, val, test first), UDADataset parts included."""
    names = [k for k in ('train_dataloader', 'val_dataloader',
                         'test_dataloader') if k in cfg]
    names += sorted(k for k in cfg.keys()
                    if k.endswith('_dataloader') and k not in names)
    found, seen = [], set()

    def walk(node, where):
        if isinstance(node, dict):
            if 'data_root' in node and 'type' in node:
                key = repr(sorted((k, repr(v)) for k, v in node.items()))
                if key not in seen:  # test_dataloader = val_dataloader
                    seen.add(key)
                    found.append((where, node))
                return
            for k, v in node.items():
                if k != 'pipeline':
                    walk(v, f'{where}.{k}')
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                walk(v, f'{where}[{i}]')

    for name in names:
        loader = cfg.get(name)
        if isinstance(loader, dict) and 'dataset' in loader:
            walk(loader['dataset'], f'{name}.dataset')
    return found


def build_index(dataset_cfg: dict):
    """The dataset of ``dataset_cfg`` indexed without pipeline or flow."""
    from mmengine.registry import DefaultScope

    from uda_video.registry import DATASETS
    cfg = dict(dataset_cfg)
    cfg.update(load_flow=False, load_flow_back=False, pipeline=[],
               lazy_init=False, serialize_data=False)
    with DefaultScope.overwrite_default_scope('uda_video'):
        return DATASETS.build(cfg)


def dataset_pairs(dataset, with_back: bool,
                  scale: Optional[Tuple[int, int, bool]]) -> List[FlowTask]:
    """The flow files ``dataset``'s samples read (module docstring)."""
    from mmseg.datasets import BaseSegDataset
    tasks = []
    for idx in range(len(dataset)):
        info = BaseSegDataset.get_data_info(dataset, idx)
        frames = dataset.videos[info['video_index']]['frames']
        fi, n = info['frame_id'], len(frames)
        key = frames[fi]['img_path']
        steps = set()
        for lo, hi in dataset.offsets[1:]:
            for off in range(lo, hi + 1):
                d = min(max(fi + off, 0), n - 1) - fi
                if abs(d) == 1:  # flow is stored between neighbours only
                    steps.add(d)
        for d in sorted(steps):
            ref = frames[fi + d]['img_path']
            tasks.append(FlowTask(key, ref, flow_file(
                dataset, key, 'fw' if d > 0 else 'bw'), scale))
            if with_back:  # reference -> key, on the reference's grid
                tasks.append(FlowTask(ref, key, flow_file(
                    dataset, ref, 'fw' if d < 0 else 'bw'), scale))
    return tasks


def _area(scale) -> float:
    return float('inf') if scale is None else scale[0] * scale[1]


def config_tasks(cfg, all_datasets: bool = False,
                 scale: Optional[Tuple[int, int, bool]] = None,
                 full_size: bool = False, log=print) -> List[FlowTask]:
    """The de-duplicated, sorted flow tasks of a config's datasets.

    Args:
        cfg: an mmengine Config (or dict) with ``*_dataloader`` entries.
        all_datasets: also datasets without ``load_flow``.
        scale: (w, h, keep_ratio) estimation size for every pair; None: each
            dataset's pipeline scale (:func:`pipeline_scale`).
        full_size: estimate at the frames' size.
        log: where one summary line per dataset goes.
    """
    by_out: Dict[str, FlowTask] = {}
    for where, dcfg in config_dataset_cfgs(cfg):
        if not (dcfg.get('load_flow') or all_datasets):
            continue
        ds_scale = None if full_size else (
            scale or pipeline_scale(dcfg.get('pipeline', [])))
        ds = build_index(dcfg)
        tasks = dataset_pairs(ds, bool(dcfg.get('load_flow_back')), ds_scale)
        size = ('frame size' if ds_scale is None else
                f'{ds_scale[0]}x{ds_scale[1]}'
                f'{" (keep ratio)" if ds_scale[2] else ""}')
        log(f'{where}: {dcfg["type"]} {dcfg.get("split")} '
            f'({ds.data_root}), {len(ds)} keys, {len(tasks)} pairs, '
            f'estimated at {size}')
        for t in tasks:
            old = by_out.get(t.out)
            if old is None or _area(t.scale) > _area(old.scale):
                by_out[t.out] = t
    return [by_out[k] for k in sorted(by_out)]
