"""Segment a video (a folder of frames or a video file) with any trained model.

Works on every model a config builds: per-frame segmentors, stateful video
segmentors (DFF, Clockwork, TDNet, Accel, ...), UDA wrappers (their
``predict`` runs the wrapped segmentor) and plug-ins registered through the
config's ``custom_imports``. Each frame goes through the config's test
pipeline (``test_dataloader.dataset.pipeline``: the resize to the test scale
included) with the test dataset's clip ``frame_offsets``; the model's
``test_step`` returns the prediction at the frame's own size (``ori_shape``).

Frames are fed in order with one ``video_id`` and increasing ``frame_id``;
the model's per-video state is cleared before each video (``model.eval()``).
"""
import copy
import fnmatch
import inspect
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.runner import CheckpointLoader

from uda_video.datasets.classes import IGNORE_INDEX, PROTOCOLS, get_classes
from uda_video.datasets.transforms import read_image
from uda_video.datasets.video_base import parse_frame_offsets
from uda_video.registry import DATASETS, MODELS, TRANSFORMS
from uda_video.utils import register_all_modules

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')
VIDEO_OUT_EXTS = {'.mp4': 'mp4v', '.avi': 'MJPG'}
# Loading transforms of clip / image pipelines, replaced by in-memory loaders.
CLIP_LOADERS = ('LoadClip', )
IMAGE_LOADERS = ('LoadImageFromFile', 'LoadImageFromNDArray')
# Transforms that read ground truth from files: dropped (frames are unlabelled).
ANNOTATION_LOADERS = ('LoadAnnotations', 'LoadDepthAnnotation')
# Frozen models used only by training losses: (config key, checkpoint key,
# other settings that go with them when they are dropped).
TRAINING_ONLY_MODELS = (
    ('teacher_config', 'teacher_checkpoint', {}),
    ('flow_net', 'flow_net_checkpoint', dict(flow_source='gt')),
)


class CheckpointMismatchError(ValueError):
    """A checkpoint whose keys or shapes differ from the model's."""


# ---------------------------------------------------------------- frames --
@dataclass
class FrameSource:
    """Frames of one video: ``count`` (None if unknown), ``fps`` (None if
    unknown), ``frames``: iterator of (name, H x W x 3 uint8 BGR frame)."""
    path: str
    count: Optional[int]
    fps: Optional[float]
    frames: Iterator[Tuple[str, np.ndarray]] = field(repr=False)


def read_frames(path: str, pattern: str = '*') -> FrameSource:
    """Frames of a folder (names sorted, filtered by ``pattern``) or a video.

    Raises:
        FileNotFoundError: ``path`` missing, or a folder with no frame.
        ValueError: a video OpenCV cannot open or with no readable frame.
    """
    if osp.isdir(path):
        names = sorted(n for n in os.listdir(path)
                       if n.lower().endswith(IMAGE_EXTS)
                       and fnmatch.fnmatch(n, pattern))
        if not names:
            raise FileNotFoundError(f'{path}: no frames matching {pattern!r} '
                                    f'({", ".join(IMAGE_EXTS)})')

        def frames():
            for name in names:
                yield osp.splitext(name)[0], read_image(osp.join(path, name))

        return FrameSource(path, len(names), None, frames())
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: neither a folder of frames nor a file')
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise ValueError(f'{path}: OpenCV cannot open this video')
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    fps = cap.get(cv2.CAP_PROP_FPS) or None

    def frames():
        i = 0
        try:
            while True:
                ok, img = cap.read()
                if not ok:
                    break
                yield f'frame_{i:06d}', img
                i += 1
        finally:
            cap.release()
        if i == 0:
            raise ValueError(f'{path}: the video has no readable frame')

    return FrameSource(path, count, fps, frames())


def clip_windows(frames: Iterator[Tuple[str, np.ndarray]],
                 frame_offsets: Sequence = (0, ),
                 rng=np.random) -> Iterator[dict]:
    """Clips of a stream of frames, one per frame in order.

    Reference frames are taken at ``frame_offsets`` (ints or ``[lo, hi]``
    ranges, drawn like the video datasets do) and clamped to the video, as the
    datasets do; frames are kept only as long as a clip can still use them.

    Yields:
        dict(frame_id, name, imgs (T frames, key first), names,
        frame_offsets (effective offsets)).
    """
    offsets = parse_frame_offsets(list(frame_offsets))
    ahead = max(0, max(hi for _, hi in offsets))
    behind = max(0, -min(lo for lo, _ in offsets))
    buf: Dict[int, Tuple[str, np.ndarray]] = {}
    it = iter(frames)
    read = 0
    exhausted = False
    t = 0
    while True:
        while not exhausted and read <= t + ahead:
            try:
                buf[read] = next(it)
                read += 1
            except StopIteration:
                exhausted = True
        if t not in buf:
            return
        last = max(buf)
        ids, eff = [], []
        for lo, hi in offsets:
            off = lo if lo == hi else int(rng.randint(lo, hi + 1))
            idx = min(max(t + off, 0), last)
            ids.append(idx)
            eff.append(idx - t)
        yield dict(frame_id=t, name=buf[t][0],
                   imgs=[buf[i][1] for i in ids],
                   names=[buf[i][0] for i in ids], frame_offsets=eff)
        for i in [i for i in buf if i < t + 1 - behind]:
            del buf[i]
        t += 1


# -------------------------------------------------------- test pipeline --
class LoadClipFromArrays:
    """In-memory counterpart of ``LoadClip`` for unlabelled frames.

    Reads ``clip_imgs`` (T frames, H x W x 3 uint8 BGR, key first) and gives
    what ``LoadClip`` gives for frames without labels: ``img`` (list),
    ``gt_seg_map`` (list of all-ignore maps), ``seg_fields``, ``img_shape``
    and ``ori_shape``.
    """

    def __call__(self, results: dict) -> dict:
        imgs = results.pop('clip_imgs')
        h, w = imgs[0].shape[:2]
        for name, im in zip(results.get('clip_names', []), imgs):
            if im.shape[:2] != (h, w):
                raise ValueError(f'frame {name} is {im.shape[1]}x{im.shape[0]}, '
                                 f'the key frame {results["img_path"]} is '
                                 f'{w}x{h}: every frame of a video must have '
                                 'the same size')
        results['img'] = list(imgs)
        results['gt_seg_map'] = [
            np.full((h, w), IGNORE_INDEX, np.uint8) for _ in imgs
        ]
        results['seg_fields'] = ['gt_seg_map']
        results['img_shape'] = (h, w)
        results['ori_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


class LoadImageFromArray:
    """In-memory counterpart of mmcv's ``LoadImageFromFile`` (key frame)."""

    def __call__(self, results: dict) -> dict:
        img = results.pop('clip_imgs')[0]
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


def config_test_dataset(cfg: Config) -> dict:
    """The config's test dataset (``test_dataloader.dataset``, unwrapping
    dataset wrappers that hold the pipeline in ``dataset``)."""
    loader = cfg.get('test_dataloader')
    if not loader or 'dataset' not in loader:
        raise KeyError(f'{cfg.filename}: no test_dataloader.dataset (the test '
                       'pipeline and classes of inference come from it)')
    dataset = loader['dataset']
    path = 'test_dataloader.dataset'
    while 'pipeline' not in dataset and isinstance(dataset.get('dataset'),
                                                   dict):
        dataset = dataset['dataset']
        path += '.dataset'
    if 'pipeline' not in dataset:
        raise KeyError(f'{cfg.filename}: {path} has no pipeline')
    return dataset


def build_test_pipeline(cfg: Config) -> Tuple[Callable, List]:
    """The config's test pipeline fed from memory, and its clip offsets.

    ``LoadClip`` (or mmcv's ``LoadImageFromFile``) is replaced by an
    in-memory loader; annotation loaders are dropped; every other transform
    (resize to the test scale, packing) is the config's.

    Returns:
        (pipeline: dict -> dict(inputs, data_samples), frame_offsets).
    """
    dataset = config_test_dataset(cfg)
    steps = []
    loaded = False
    for i, step in enumerate(dataset['pipeline']):
        kind = step.get('type') if isinstance(step, dict) else None
        name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
        if name in CLIP_LOADERS:
            steps.append(LoadClipFromArrays())
            loaded = True
        elif name in IMAGE_LOADERS:
            steps.append(LoadImageFromArray())
            loaded = True
        elif name in ANNOTATION_LOADERS:
            continue
        elif name.startswith('Load'):
            raise ValueError(f'{cfg.filename}: test pipeline step {i} ({name}) '
                             'reads files inference cannot give (frames '
                             'only); known loaders: '
                             f'{", ".join(CLIP_LOADERS + IMAGE_LOADERS)}')
        else:
            steps.append(TRANSFORMS.build(step) if isinstance(step, dict)
                         else step)
    if not loaded:
        raise ValueError(f'{cfg.filename}: the test pipeline has no frame '
                         f'loader ({", ".join(CLIP_LOADERS + IMAGE_LOADERS)})')
    if dataset.get('load_flow'):
        raise ValueError(f'{cfg.filename}: the test dataset loads optical flow '
                         '(load_flow=True), which inference on raw frames '
                         'cannot give')
    return Compose(steps), list(dataset.get('frame_offsets', [0]))


# ------------------------------------------------------------ model ----
def drop_training_only_models(model_cfg) -> List[str]:
    """Remove frozen training-only models whose checkpoint file is absent.

    Distillation teachers and frozen flow networks (``TRAINING_ONLY_MODELS``,
    ``flow_source=dict(type='FrozenFlow')``) serve only training losses and are not in a student's checkpoint; when
    their files are not on this machine they are left out (in place, at any
    depth of ``model_cfg``). Returns the dotted config paths changed.
    """
    changed = []

    def visit(node, path):
        if isinstance(node, dict):
            for conf_key, ckpt_key, extra in TRAINING_ONLY_MODELS:
                ckpt = node.get(ckpt_key)
                if node.get(conf_key) is not None and ckpt_key in node and (
                        not isinstance(ckpt, str) or not osp.isfile(ckpt)):
                    node[conf_key] = None
                    node[ckpt_key] = None
                    node.update(extra)
                    changed.append(f'{path}.{conf_key}')
            src = node.get('flow_source')
            if isinstance(src, dict) and src.get('type') == 'FrozenFlow' \
                    and not osp.isfile(str(src.get('checkpoint'))):
                node['flow_source'] = dict(type='SampleFlow')
                changed.append(f'{path}.flow_source')
            for key, value in node.items():
                visit(value, f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                visit(value, f'{path}[{i}]')

    visit(model_cfg, 'model')
    return changed


def load_state_dict_exactly(model: torch.nn.Module, checkpoint: str) -> dict:
    """Load ``checkpoint`` into ``model``: every key, every shape.

    Accepts an mmengine checkpoint (``state_dict`` + ``meta``) or a bare
    state dict, keys optionally prefixed by ``module.``.

    Returns:
        The loaded checkpoint dict (``meta`` included).

    Raises:
        FileNotFoundError: no file at ``checkpoint``.
        CheckpointMismatchError: missing / unexpected keys or differing
            shapes, named (first 20 of each, with their counts).
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    if not isinstance(ckpt, dict):
        raise CheckpointMismatchError(f'checkpoint {checkpoint} holds a '
                                      f'{type(ckpt).__name__}, not a state '
                                      'dict')
    state = ckpt.get('state_dict', ckpt)
    state = {(k[len('module.'):] if k.startswith('module.') else k): v
             for k, v in state.items()}
    # Keys saved under older attribute names (e.g. a renamed flow source).
    for name, module in model.named_modules():
        upgrade = getattr(module, 'upgrade_state_dict_keys', None)
        if upgrade is not None:
            upgrade(state, f'{name}.' if name else '')
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)}, model '
        f'{tuple(expected[k].shape)}' for k in set(state) & set(expected)
        if torch.is_tensor(state[k]) and state[k].shape != expected[k].shape)

    def listed(keys):
        more = ' ...' if len(keys) > 20 else ''
        return f'{keys[:20]}{more} ({len(keys)})'

    if missing or unexpected or shapes:
        raise CheckpointMismatchError(
            f'checkpoint {checkpoint} does not match the model '
            f'{type(model).__name__}: missing keys {listed(missing)}; '
            f'unexpected keys {listed(unexpected)}; shape mismatches '
            f'{listed(shapes)}')
    model.load_state_dict(state, strict=True)
    return ckpt


def model_num_classes(model: torch.nn.Module) -> int:
    """Number of classes of a segmentor (UDA wrappers: their ``segmentor``)."""
    seg = model
    while hasattr(seg, 'segmentor') and isinstance(seg.segmentor,
                                                   torch.nn.Module):
        seg = seg.segmentor
    for owner in (seg, getattr(seg, 'decode_head', None)):
        num = getattr(owner, 'num_classes', None)
        if isinstance(num, int):
            return num
    raise AttributeError(f'{type(model).__name__}: no num_classes on the '
                         'segmentor or its decode_head')


def dataset_classes(cfg: Config) -> Optional[Tuple[tuple, tuple]]:
    """(classes, palette) of the config's test dataset's protocol, if any."""
    dataset = config_test_dataset(cfg)
    protocol = dataset.get('protocol')
    if protocol is None:
        kind = dataset.get('type')
        cls = DATASETS.get(kind) if isinstance(kind, str) else kind
        if cls is None:
            return None
        param = inspect.signature(cls).parameters.get('protocol')
        if param is None or param.default is inspect.Parameter.empty:
            return None
        protocol = param.default
    return get_classes(protocol)


def find_palette(cfg: Config, checkpoint: dict,
                 num_classes: int) -> np.ndarray:
    """num_classes x 3 RGB palette: the checkpoint's ``meta.dataset_meta``,
    else the test dataset's protocol, else the protocol of that size."""
    meta = (checkpoint.get('meta') or {}).get('dataset_meta') or {}
    candidates = []
    if meta.get('palette'):
        candidates.append(('checkpoint meta.dataset_meta.palette',
                           meta['palette']))
    found = dataset_classes(cfg)
    if found is not None:
        candidates.append(('the test dataset protocol', found[1]))
    for name, (classes, palette) in PROTOCOLS.items():
        if len(classes) == num_classes:
            candidates.append((f'protocol {name}', palette))
    for source, palette in candidates:
        if len(palette) >= num_classes:
            return np.asarray(palette, np.uint8)[:num_classes]
    raise KeyError(f'no palette with {num_classes} colours (tried: '
                   f'{", ".join(s for s, _ in candidates) or "none"})')


@dataclass
class Segmenter:
    """A model ready for inference with its config's test pipeline."""
    model: torch.nn.Module
    cfg: Config
    pipeline: Callable
    frame_offsets: List
    palette: np.ndarray
    num_classes: int
    checkpoint_meta: dict
    dropped: List[str]


def init_segmenter(config, checkpoint: str, device: str = 'cpu',
                   cfg_options: Optional[dict] = None) -> Segmenter:
    """Build the model of ``config``, load ``checkpoint`` exactly, build the
    test pipeline and find the palette.

    Args:
        config: config file path or a :class:`Config`.
        checkpoint: checkpoint path (:func:`load_state_dict_exactly`).
        device: torch device of the model.
        cfg_options: overrides merged into the config.
    """
    register_all_modules(init_default_scope=True)
    cfg = (Config.fromfile(config) if isinstance(config, str) else
           copy.deepcopy(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    pipeline, offsets = build_test_pipeline(cfg)
    model_cfg = copy.deepcopy(cfg.model)
    dropped = drop_training_only_models(model_cfg)
    model = MODELS.build(model_cfg)
    try:
        ckpt = load_state_dict_exactly(model, checkpoint)
    except CheckpointMismatchError as exc:
        if not dropped:
            raise
        raise CheckpointMismatchError(
            f'{exc} (left out because their checkpoint files are absent: '
            f'{", ".join(dropped)}; give those files to build the model as '
            'it was trained)') from None
    model.to(device).eval()
    num_classes = model_num_classes(model)
    palette = find_palette(cfg, ckpt, num_classes)
    return Segmenter(model=model, cfg=cfg, pipeline=pipeline,
                     frame_offsets=offsets, palette=palette,
                     num_classes=num_classes,
                     checkpoint_meta=ckpt.get('meta') or {}, dropped=dropped)


def segment_video(segmenter: Segmenter,
                  frames: Iterator[Tuple[str, np.ndarray]],
                  video_id: str) -> Iterator[Tuple[str, np.ndarray, np.ndarray,
                                                   dict]]:
    """Segment the frames of one video in order.

    Args:
        segmenter: from :func:`init_segmenter`.
        frames: (name, H x W x 3 uint8 BGR) in time order, all of one size.
        video_id: the video's id in the metainfo.

    Yields:
        (name, frame, label H x W int64 at the frame's size, prediction
        metainfo).
    """
    model = segmenter.model
    model.eval()  # clears the per-video state of stateful segmentors
    first_shape = None
    for clip in clip_windows(frames, segmenter.frame_offsets):
        frame = clip['imgs'][0]
        if first_shape is None:
            first_shape = frame.shape[:2]
        elif frame.shape[:2] != first_shape:
            raise ValueError(
                f'frame {clip["name"]} of video {video_id!r} is '
                f'{frame.shape[1]}x{frame.shape[0]}, its first frame is '
                f'{first_shape[1]}x{first_shape[0]}: every frame of a video '
                'must have the same size')
        data = segmenter.pipeline(dict(
            clip_imgs=clip['imgs'], clip_names=clip['names'],
            video_id=video_id, frame_id=clip['frame_id'],
            frame_offsets=clip['frame_offsets'], is_labelled=False,
            img_path=clip['name'], ref_img_paths=clip['names'][1:]))
        with torch.no_grad():
            (result, ) = model.test_step(
                dict(inputs=[data['inputs']],
                     data_samples=[data['data_samples']]))
        label = result.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
        if label.shape != frame.shape[:2]:
            raise RuntimeError(
                f'{type(model).__name__} returned a {label.shape[1]}x'
                f'{label.shape[0]} prediction for the {frame.shape[1]}x'
                f'{frame.shape[0]} frame {clip["name"]}')
        yield clip['name'], frame, label, dict(result.metainfo)


# ------------------------------------------------------------ outputs --
def blend(frame_bgr: np.ndarray, colours_rgb: np.ndarray,
          opacity: float) -> np.ndarray:
    """BGR uint8 frame overlaid by an RGB colour map (``opacity`` of it)."""
    mix = (1 - opacity) * frame_bgr + opacity * colours_rgb[..., ::-1]
    return np.clip(mix + 0.5, 0, 255).astype(np.uint8)


class FrameSink:
    """Writes images to a folder (one PNG per frame) or to a video file
    (``.mp4``: mp4v, ``.avi``: MJPG)."""

    def __init__(self, out: str, fps: float):
        ext = osp.splitext(out)[1].lower()
        self.video = ext in VIDEO_OUT_EXTS
        if ext and not self.video:
            raise ValueError(f'output {out}: give a folder or a file ending '
                             f'in {" / ".join(VIDEO_OUT_EXTS)}')
        self.out, self.fps, self.fourcc = out, fps, VIDEO_OUT_EXTS.get(ext)
        self.writer = None
        self.size = None
        os.makedirs(osp.dirname(osp.abspath(out)) if self.video else out,
                    exist_ok=True)

    def write(self, name: str, image: np.ndarray) -> None:
        if not self.video:
            if not cv2.imwrite(osp.join(self.out, name + '.png'), image):
                raise RuntimeError(f'{self.out}: cannot write {name}.png')
            return
        h, w = image.shape[:2]
        if self.writer is None:
            self.size = (w, h)
            self.writer = cv2.VideoWriter(
                self.out, cv2.VideoWriter_fourcc(*self.fourcc), self.fps,
                (w, h))
            if not self.writer.isOpened():
                raise RuntimeError(f'{self.out}: OpenCV cannot write this '
                                   'video')
        elif (w, h) != self.size:
            raise ValueError(f'{self.out}: frame {name} is {w}x{h}, the video '
                             f'is {self.size[0]}x{self.size[1]}')
        self.writer.write(image)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()
            self.writer = None
