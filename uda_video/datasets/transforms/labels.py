"""Label maps of a clip beside the ones LoadClip reads.

``LoadPseudoLabel`` puts the offline pseudo label of a clip's key frame in the
place of its ground truth, so the geometric transforms that follow (resize,
crop, flip) move it with the frame. ``KeepLabelResolution`` leaves the label
maps at their loaded resolution through the geometric transforms that follow
(testing at a reduced input size, evaluated at the label's full resolution).
"""
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from uda_video.registry import TRANSFORMS
from ..classes import IGNORE_INDEX
from .loading import read_label

LABEL_FIELDS = ('gt_seg_map', 'gt_panoptic_seg')


def pseudo_label_path(root: str, video_id: str, frame_id: int) -> str:
    """Where an offline round stores the pseudo label of one frame:
    ``{root}/{video_id}/{frame_id:06d}.png`` (frame_id: the frame's index in
    its video, the dataset's ``frame_id``)."""
    return osp.join(root, str(video_id), f'{int(frame_id):06d}.png')


def is_pseudo_label_path(path: Optional[str], video_id: str,
                         frame_id: int) -> bool:
    """Whether ``path`` is the pseudo-label file of (video_id, frame_id)."""
    if not path:
        return False
    tail = osp.normpath(pseudo_label_path('', video_id, frame_id))
    return osp.normpath(path).endswith(osp.sep + tail) or \
        osp.normpath(path) == tail


def fit_label(label: np.ndarray, height: int, width: int,
              path: str) -> np.ndarray:
    """A whole-frame label map resized (nearest) to its frame's h x w.

    The label must cover the same field of view as the frame: a size with
    another aspect ratio (more than one pixel off after scaling) is refused
    naming ``path``.
    """
    lh, lw = label.shape[:2]
    if (lh, lw) == (height, width):
        return label
    if abs(lh * width / lw - height) > 1.0 or abs(lw * height / lh - width) > 1.0:
        raise ValueError(f'pseudo label {path} is {lw}x{lh}, its frame is '
                         f'{width}x{height} (another aspect ratio: not a '
                         'label of this frame)')
    return cv2.resize(label, (width, height), interpolation=cv2.INTER_NEAREST)


@TRANSFORMS.register_module()
class LoadPseudoLabel(BaseTransform):
    """Replace the key frame's label map with its offline pseudo label.

    Place it right after ``LoadClip``: the file
    ``{pseudo_label_dir}/{video_id}/{frame_id:06d}.png`` (written by
    ``tools/misc/gen_pseudo_labels.py``; class ids, 255 = ignore) becomes
    ``gt_seg_map[0]``, resized (nearest) to the loaded frame's size when the
    round labelled the frames at a reduced size, and then goes through the
    same resize / crop / flip as the frame. The reference frames' label maps
    become all 255 (the target's ground truth never reaches training).
    ``seg_map_path`` (metainfo) names the pseudo-label file.

    Args:
        pseudo_label_dir: folder of the round; None = no pseudo labels (the
            transform passes the results through unchanged).
        num_classes: when given, an id that is neither < num_classes nor 255
            is an error naming the file.
    """

    def __init__(self, pseudo_label_dir: Optional[str] = None,
                 num_classes: Optional[int] = None):
        self.pseudo_label_dir = pseudo_label_dir
        self.num_classes = num_classes

    def transform(self, results: dict) -> dict:
        if self.pseudo_label_dir is None:
            return results
        if 'img' not in results or 'gt_seg_map' not in results:
            raise KeyError('LoadPseudoLabel must follow LoadClip (no img / '
                           'gt_seg_map in the results)')
        path = pseudo_label_path(self.pseudo_label_dir, results['video_id'],
                                 results['frame_id'])
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'pseudo label file not found: {path} (frame '
                f'{results.get("img_path")}); the pseudo-label folder lacks '
                'a frame the training set uses: run tools/misc/gen_pseudo_labels.py '
                'with a pseudo_label_dataloader covering the training target '
                'set')
        label = read_label(path)
        if label.ndim != 2:
            raise ValueError(f'pseudo label {path} must be a single-channel '
                             f'image, got shape {label.shape}')
        if self.num_classes is not None:
            bad = (label >= self.num_classes) & (label != IGNORE_INDEX)
            if bad.any():
                raise ValueError(
                    f'pseudo label {path}: ids {np.unique(label[bad]).tolist()}'
                    f' outside the {self.num_classes} classes (255 = ignore)')
        h, w = results['img'][0].shape[:2]
        label = fit_label(label.astype(np.uint8), h, w, path)
        segs = [np.full((h, w), IGNORE_INDEX, np.uint8)
                for _ in results['gt_seg_map']]
        segs[0] = label
        results['gt_seg_map'] = segs
        results['seg_map_path'] = path
        results['is_labelled'] = True
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(pseudo_label_dir='
                f'{self.pseudo_label_dir!r}, num_classes={self.num_classes})')


@TRANSFORMS.register_module()
class KeepLabelResolution(BaseTransform):
    """Let the geometric transforms that follow leave the label maps alone.

    Removes ``gt_seg_map`` / ``gt_panoptic_seg`` from ``seg_fields``, so a
    following (Flow-Aware) ``Resize`` resizes the frames (and flows) only. The
    segmentors upsample their output to ``ori_shape``, so metrics compare it
    with the label at its full resolution (the field tests at 1024x512 and
    scores at 2048x1024). For test pipelines only: a crop or flip would no
    longer apply to the labels either.
    """

    def transform(self, results: dict) -> dict:
        results['seg_fields'] = [f for f in results.get('seg_fields', [])
                                 if f not in LABEL_FIELDS]
        return results
