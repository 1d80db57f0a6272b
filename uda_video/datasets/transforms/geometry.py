"""One random geometry for a whole clip, and flow-aware geometric transforms.

``ClipBroadcaster`` applies its transforms to every frame of a clip (lists
``img``, ``gt_seg_map``, ``gt_flow``, ``gt_panoptic_seg``, ``gt_flow_back``)
with mmcv's cached randomness (``share_random_params``): the first frame (the
key) draws the random parameters and every other frame reuses them. The
flow-aware subclasses of mmseg's transforms move ``gt_flow`` and
``gt_flow_back`` (``FLOW_KEYS``; H x W x 2, pixels) with the image: resizing
rescales u by the width ratio and v by the height ratio, flipping negates u
(horizontal) or v (vertical), cropping crops.
"""
from contextlib import nullcontext
from typing import List, Sequence

import cv2
import mmcv
import numpy as np
from mmcv.transforms import TransformBroadcaster
from mmcv.transforms.utils import cache_random_params
from mmseg.datasets.transforms import RandomCrop, RandomFlip, Resize

from uda_video.registry import TRANSFORMS

FLOW_KEYS = ('gt_flow', 'gt_flow_back')
FRAME_KEYS = ('img', 'gt_seg_map', 'gt_flow', 'gt_panoptic_seg',
              'gt_flow_back')


@TRANSFORMS.register_module()
class ClipBroadcaster(TransformBroadcaster):
    """Apply ``transforms`` to every frame of a clip.

    Per-frame keys (lists of length T) are ``FRAME_KEYS`` present in the
    results; every other key produced by the transforms (``img_shape``,
    ``flip``, ``scale_factor``, ...) is taken from the key frame, which is the
    same for all frames when ``share_random_params``.

    Args:
        transforms: transforms applied to each frame.
        share_random_params: one random draw for the clip (default) or one
            per frame.
    """

    def __init__(self, transforms: List, share_random_params: bool = True):
        super().__init__(transforms=transforms, mapping=None, remapping=None,
                         auto_remap=False, allow_nonexist_keys=False,
                         share_random_params=share_random_params)

    def transform(self, results: dict) -> dict:
        keys = [k for k in FRAME_KEYS if results.get(k) is not None]
        num = len(results['img'])
        for k in keys:
            if not isinstance(results[k], (list, tuple)) or len(results[k]) != num:
                raise ValueError(f'ClipBroadcaster: {k!r} must be a list of {num} '
                                 'frames (run LoadClip first)')
        scatters = []
        for i in range(num):
            item = dict(results)
            item['seg_fields'] = list(results.get('seg_fields', []))
            for k in keys:
                item[k] = results[k][i]
            scatters.append(item)
        ctx = cache_random_params if self.share_random_params else nullcontext
        with ctx(self.transforms):
            outs = [self.transforms(item) for item in scatters]
        merged = dict(outs[0])
        for k in keys:
            merged[k] = [o[k] for o in outs]
        results.update(merged)
        return results


def resize_flow_array(flow: np.ndarray, size: Sequence[int],
                      interpolation: str = 'bilinear') -> np.ndarray:
    """Resize an H x W x 2 numpy flow to ``size`` = (h, w) and rescale its
    vectors (the tensor counterpart is ``uda_video.ops.resize_flow``)."""
    h0, w0 = flow.shape[:2]
    h, w = int(size[0]), int(size[1])
    if (h, w) == (h0, w0):
        return flow
    interp = {'bilinear': cv2.INTER_LINEAR, 'nearest': cv2.INTER_NEAREST}[interpolation]
    out = cv2.resize(flow, (w, h), interpolation=interp)
    return out * np.array([w / w0, h / h0], np.float32)


def flip_flow(flow: np.ndarray, direction: str) -> np.ndarray:
    """Flip an H x W x 2 flow: mirror the field and negate the flipped axis."""
    out = mmcv.imflip(flow, direction=direction).copy()
    if direction in ('horizontal', 'diagonal'):
        out[..., 0] *= -1
    if direction in ('vertical', 'diagonal'):
        out[..., 1] *= -1
    return out


@TRANSFORMS.register_module()
class FlowAwareResize(Resize):
    """mmseg's Resize that also resizes and rescales the flows (FLOW_KEYS).

    Args (besides mmseg's Resize):
        flow_interpolation: 'bilinear' or 'nearest'.
    """

    def __init__(self, scale=None, scale_factor=None, keep_ratio: bool = False,
                 clip_object_border: bool = True, backend: str = 'cv2',
                 interpolation: str = 'bilinear',
                 flow_interpolation: str = 'bilinear'):
        super().__init__(scale=scale, scale_factor=scale_factor,
                         keep_ratio=keep_ratio,
                         clip_object_border=clip_object_border, backend=backend,
                         interpolation=interpolation)
        if flow_interpolation not in ('bilinear', 'nearest'):
            raise ValueError(f'flow_interpolation must be bilinear or nearest, got '
                             f'{flow_interpolation!r}')
        self.flow_interpolation = flow_interpolation

    def _resize_seg(self, results: dict) -> None:
        super()._resize_seg(results)
        for k in FLOW_KEYS:
            if results.get(k) is not None:
                results[k] = resize_flow_array(
                    results[k], results['img'].shape[:2],
                    self.flow_interpolation)


@TRANSFORMS.register_module()
class FlowAwareRandomFlip(RandomFlip):
    """mmseg's RandomFlip that also flips the flows (FLOW_KEYS), negating u/v."""

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        for k in FLOW_KEYS:
            if results.get(k) is not None:
                results[k] = flip_flow(results[k], results['flip_direction'])


@TRANSFORMS.register_module()
class FlowAwareRandomCrop(RandomCrop):
    """mmseg's RandomCrop that also crops the flows (FLOW_KEYS; same window)."""

    def transform(self, results: dict) -> dict:
        fields = list(results.get('seg_fields', []))
        flows = [k for k in FLOW_KEYS if results.get(k) is not None]
        if flows:
            results['seg_fields'] = fields + flows
        results = super().transform(results)
        results['seg_fields'] = fields
        return results
