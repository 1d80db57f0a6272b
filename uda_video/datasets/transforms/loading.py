"""LoadClip: read every frame, label, panoptic map and flow of a clip."""
import os.path as osp

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image, UnidentifiedImageError

from uda_video.registry import TRANSFORMS
from ..classes import IGNORE_INDEX, apply_label_map
from ..flow_io import read_flow

VOID_PANOPTIC = IGNORE_INDEX * 1000


def read_image(path: str, flag: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """cv2 image (BGR for colour) from ``path``; clear errors naming it."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'image file not found: {path}')
    buf = np.fromfile(path, np.uint8)
    img = cv2.imdecode(buf, flag) if buf.size else None
    if img is None:
        raise ValueError(f'could not decode image (corrupt or not an image): {path}')
    return img


def read_label(path: str) -> np.ndarray:
    """H x W integer label ids of a single-channel label PNG.

    Read with pillow so that palette ('P' mode) PNGs give their palette
    indices, which are the ids (cv2 would convert them to BGR colours);
    8-bit grayscale ('L') gives its values, 16-bit grayscale its values
    (``apply_label_map`` rejects ids above 255 naming the file). Colour images
    (e.g. Cityscapes ``_gtFine_color.png``) are refused naming the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'label file not found: {path}')
    try:
        with Image.open(path) as im:
            mode = im.mode
            if mode in ('P', 'L', 'I;16', 'I;16B', 'I;16L', 'I', '1'):
                arr = np.array(im)
            else:
                raise ValueError(
                    f'label {path} is a {mode!r} image; expected a single-'
                    'channel label image (8-bit grayscale or palette PNG)')
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise ValueError(f'could not decode label image (corrupt or not an '
                         f'image): {path} ({e})') from None
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    return arr


def decode_panoptic(rgb_bgr: np.ndarray, segments: dict, path: str):
    """Panoptic PNG (cv2 BGR) -> (semantic H x W uint8, panoptic H x W int32).

    ``segments``: segment id -> (class, panoptic id); id 0 is VOID.
    """
    if rgb_bgr.ndim != 3 or rgb_bgr.shape[2] != 3:
        raise ValueError(f'{path}: a panoptic PNG must be 3-channel RGB, got shape '
                         f'{rgb_bgr.shape}')
    c = rgb_bgr.astype(np.int64)
    ids = c[..., 2] + 256 * c[..., 1] + 65536 * c[..., 0]
    uniq, inv = np.unique(ids, return_inverse=True)
    sem_lut = np.empty(len(uniq), np.uint8)
    pan_lut = np.empty(len(uniq), np.int32)
    for i, sid in enumerate(uniq.tolist()):
        if sid in segments:
            sem_lut[i], pan_lut[i] = segments[sid]
        elif sid == 0:
            sem_lut[i], pan_lut[i] = IGNORE_INDEX, VOID_PANOPTIC
        else:
            raise ValueError(f'{path}: unknown label values: segment id {sid} is '
                             'not in the annotation file')
    inv = inv.reshape(ids.shape)
    return sem_lut[inv], pan_lut[inv]


def _load_flow(path: str, h: int, w: int) -> np.ndarray:
    """H x W x 2 float32 flow from ``path`` ('zero': no motion)."""
    if path == 'zero':
        return np.zeros((h, w, 2), np.float32)
    flow, _ = read_flow(path)
    if flow.shape[:2] != (h, w):
        raise ValueError(f'flow {path} is {flow.shape[1]}x{flow.shape[0]}, '
                         f'frames are {w}x{h}')
    return flow.astype(np.float32)


@TRANSFORMS.register_module()
class LoadClip(BaseTransform):
    """Load the T frames of a clip (key first) from a video dataset's info.

    Reads ``clip_img_paths``, ``clip_seg_map_paths`` (None = unlabelled: all
    255; label PNGs through :func:`read_label`, grayscale or palette),
    ``label_lut`` or ``clip_panoptic_segments``, ``ignore_mask_path`` and
    ``clip_flow_paths`` (when the dataset loads flow) and
    ``clip_flow_back_paths`` (when it loads the reverse flow).

    Adds per-frame lists (length T): ``img`` (H x W x 3 uint8, BGR),
    ``gt_seg_map`` (H x W uint8), ``gt_flow`` (H x W x 2 float32: frame 0 is
    zeros, frame i the flow key -> reference i), ``gt_flow_back`` (same
    layout: frame i the flow reference i -> key, on reference i's pixel grid),
    ``gt_panoptic_seg``
    (H x W int32, when ``load_panoptic``); ``img_shape``/``ori_shape`` and
    ``seg_fields``.

    Args:
        load_panoptic: also produce ``gt_panoptic_seg`` (panoptic datasets only).
    """

    def __init__(self, load_panoptic: bool = False):
        self.load_panoptic = load_panoptic

    def transform(self, results: dict) -> dict:
        paths = results['clip_img_paths']
        imgs = [read_image(p) for p in paths]
        h, w = imgs[0].shape[:2]
        for p, im in zip(paths, imgs):
            if im.shape[:2] != (h, w):
                raise ValueError(f'frame {p} is {im.shape[1]}x{im.shape[0]}, the key '
                                 f'frame {paths[0]} is {w}x{h}')
        ignore = None
        if results.get('ignore_mask_path'):
            ignore = read_image(results['ignore_mask_path'], cv2.IMREAD_GRAYSCALE) > 0
            if ignore.shape != (h, w):
                raise ValueError(f'ignore mask {results["ignore_mask_path"]} is '
                                 f'{ignore.shape[1]}x{ignore.shape[0]}, frames are {w}x{h}')
        segs, pans = [], []
        lut = results.get('label_lut')
        panoptic = results.get('clip_panoptic_segments') or [None] * len(paths)
        if self.load_panoptic and lut is not None:
            raise ValueError('LoadClip(load_panoptic=True) needs a panoptic dataset '
                             f'(got a label map for {paths[0]})')
        for path, segments in zip(results['clip_seg_map_paths'], panoptic):
            if path is None:
                sem = np.full((h, w), IGNORE_INDEX, np.uint8)
                pan = np.full((h, w), VOID_PANOPTIC, np.int32)
            elif segments is not None:
                sem, pan = decode_panoptic(read_image(path, cv2.IMREAD_UNCHANGED),
                                           segments, path)
            else:
                sem = apply_label_map(read_label(path), lut, path)
                pan = None
            if sem.shape != (h, w):
                raise ValueError(f'label {path} is {sem.shape[1]}x{sem.shape[0]}, '
                                 f'its frame is {w}x{h}')
            if ignore is not None and path is not None:
                sem = sem.copy()
                sem[ignore] = IGNORE_INDEX
                if pan is not None:
                    pan = pan.copy()
                    pan[ignore] = VOID_PANOPTIC
            segs.append(sem)
            pans.append(pan)
        results['img'] = imgs
        results['gt_seg_map'] = segs
        results['seg_fields'] = ['gt_seg_map']
        if self.load_panoptic:
            results['gt_panoptic_seg'] = pans
            results['seg_fields'].append('gt_panoptic_seg')
        for key, name in (('clip_flow_paths', 'gt_flow'),
                          ('clip_flow_back_paths', 'gt_flow_back')):
            if results.get(key) is not None:
                results[name] = [np.zeros((h, w, 2), np.float32)] + [
                    _load_flow(p, h, w) for p in results[key]]
        results['img_shape'] = (h, w)
        results['ori_shape'] = (h, w)
        for k in ('label_lut', 'clip_panoptic_segments'):
            results.pop(k, None)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(load_panoptic={self.load_panoptic})'
