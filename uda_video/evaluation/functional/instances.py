"""Instances of a semantic prediction: connected components tracked by flow.

A semantic model predicts no instances, so every thing class of a frame would
be one segment. :class:`InstanceTracker` derives instances instead: each
connected component of a thing class is one instance; an instance of frame t
keeps the id of the instance of frame t-1 it overlaps most after that frame's
instance map is warped onto t by optical flow (IoU above a threshold, same
class, one-to-one), otherwise it gets a new id.

Conventions: instance maps are H x W int64, 0 = no instance (stuff, small
components), ids >= 1 unique within a video; ``flow`` is the backward flow
of the current frame, 2 x H x W pixels ``t -> t-1`` (docs/conventions.md:
``warp(x_{t-1}, flow_{t->t-1})(p) = x_{t-1}(p + flow(p))``).
"""
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from .temporal import warp_labels


def thing_components(sem: np.ndarray, thing_classes: Sequence[int],
                     connectivity: int = 8, min_area: int = 0
                     ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connected components of every thing class of a label map.

    Args:
        sem: H x W class ids.
        thing_classes: class ids that have instances.
        connectivity: 4 or 8.
        min_area: components with fewer pixels are dropped (returned in the
            small mask, not numbered).

    Returns:
        (components H x W int64: 0 none, 1..K; class of each component (K + 1,)
        int64 with -1 at index 0; H x W bool mask of dropped small components).
    """
    if connectivity not in (4, 8):
        raise ValueError(f'connectivity must be 4 or 8, got {connectivity}')
    sem = np.asarray(sem)
    comp = np.zeros(sem.shape, np.int64)
    small = np.zeros(sem.shape, bool)
    classes = [-1]
    for cls in sorted(set(int(c) for c in thing_classes)):
        mask = sem == cls
        if not mask.any():
            continue
        n, lab, stats, _ = cv2.connectedComponentsWithStats(
            mask.astype(np.uint8), connectivity=connectivity,
            ltype=cv2.CV_32S)
        keep = np.zeros(n, bool)
        keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
        small |= mask & ~keep[lab]
        new_index = np.zeros(n, np.int64)
        new_index[keep] = len(classes) + np.arange(int(keep.sum()))
        comp = np.where(keep[lab], new_index[lab], comp)
        classes.extend([cls] * int(keep.sum()))
    return comp, np.array(classes, np.int64), small


def warp_instances(prev: np.ndarray, flow: Optional[np.ndarray]) -> np.ndarray:
    """Instance map of frame t-1 moved onto frame t (nearest neighbour).

    Args:
        prev: H x W int64 instance ids of t-1 (0 none).
        flow: 2 x H x W backward flow t -> t-1 in pixels, or None (no motion).

    Returns:
        H x W int64; 0 where the source lies outside the frame.
    """
    prev = np.asarray(prev, np.int64)
    if flow is None:
        return prev.copy()
    flow = np.asarray(flow, np.float64)
    if flow.shape != (2, ) + prev.shape:
        raise ValueError(f'flow must be 2 x {prev.shape[0]} x {prev.shape[1]} '
                         f'(the instance map), got {flow.shape}')
    # ids up to 2^53 are exact in float64
    warped, inside = warp_labels(torch.from_numpy(prev), torch.from_numpy(flow))
    return np.where(inside.numpy(), warped.numpy(), 0)


def match_components(comp: np.ndarray, comp_class: np.ndarray,
                     warped_prev: np.ndarray, prev_class: Dict[int, int],
                     iou_thr: float = 0.5) -> np.ndarray:
    """Previous instance each current component continues (0 = none).

    IoU of component c and warped previous instance p is
    ``|c & p| / (|c| + |p| - |c & p|)`` over the frame; pairs of the same class
    with IoU > ``iou_thr`` are matched one-to-one, highest IoU first (ties:
    lower component, then lower instance id).

    Args:
        comp: H x W components of frame t (:func:`thing_components`).
        comp_class: (K + 1,) class of each component.
        warped_prev: H x W instance ids of t-1 warped onto t.
        prev_class: instance id -> class for the ids of t-1.
        iou_thr: in [0, 1).

    Returns:
        (K + 1,) int64: matched previous id per component, 0 at index 0 and for
        new instances.
    """
    num = len(comp_class)
    out = np.zeros(num, np.int64)
    if num <= 1 or not (warped_prev > 0).any():
        return out
    c = comp.ravel()
    p = warped_prev.ravel().astype(np.int64, copy=False)
    comp_area = np.bincount(c, minlength=num)
    p_area = np.bincount(p)  # instance ids are small: linear time
    both = (c > 0) & (p > 0)
    pairs, inter = np.unique(c[both] * len(p_area) + p[both],
                             return_counts=True)
    ci, pi = pairs // len(p_area), pairs % len(p_area)
    iou = inter / (comp_area[ci] + p_area[pi] - inter)
    same = np.array([prev_class.get(int(j), -2) for j in pi],
                    np.int64) == comp_class[ci]
    keep = same & (iou > iou_thr)
    ci, pi, iou = ci[keep], pi[keep], iou[keep]
    used_c, used_p = set(), set()
    for k in np.lexsort((pi, ci, -iou)):
        if ci[k] in used_c or pi[k] in used_p:
            continue
        used_c.add(ci[k])
        used_p.add(pi[k])
        out[ci[k]] = pi[k]
    return out


class InstanceTracker:
    """Instances of a semantic video, one frame at a time (see module doc).

    Args:
        thing_classes: class ids that have instances.
        iou_thr: IoU with the warped previous instance needed to keep its id.
        connectivity: 4 or 8 (pixel neighbourhood of a component).
        min_area: components with fewer pixels are no instance; they are
            returned in the small mask (callers mark them VOID).
    """

    def __init__(self, thing_classes: Sequence[int], iou_thr: float = 0.5,
                 connectivity: int = 8, min_area: int = 0) -> None:
        if not 0 <= iou_thr < 1:
            raise ValueError(f'iou_thr must be in [0, 1), got {iou_thr}')
        self.thing_classes = [int(c) for c in thing_classes]
        self.iou_thr = iou_thr
        self.connectivity = connectivity
        self.min_area = min_area
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame (a new video starts)."""
        self.prev: Optional[np.ndarray] = None
        self.prev_class: Dict[int, int] = {}
        self.next_id = 1

    def update(self, sem: np.ndarray, flow: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray]:
        """Instances of the next frame.

        Args:
            sem: H x W class ids of frame t.
            flow: 2 x H x W backward flow t -> t-1, or None (instances are
                matched by overlap in place, as for a static camera).

        Returns:
            (H x W int64 instance ids, 0 off things; H x W bool dropped small
            components).
        """
        comp, comp_class, small = thing_components(
            sem, self.thing_classes, self.connectivity, self.min_area)
        if self.prev is not None and self.prev.shape != comp.shape:
            raise ValueError(f'frame of shape {comp.shape} follows a frame of '
                             f'shape {self.prev.shape} in the same video')
        matched = np.zeros(len(comp_class), np.int64)
        if self.prev is not None:
            matched = match_components(comp, comp_class,
                                       warp_instances(self.prev, flow),
                                       self.prev_class, self.iou_thr)
        new = np.flatnonzero(matched[1:] == 0) + 1
        matched[new] = self.next_id + np.arange(len(new))
        self.next_id += len(new)
        inst = matched[comp]
        self.prev = inst
        self.prev_class = {int(i): int(c)
                           for i, c in zip(matched[1:], comp_class[1:])}
        return inst, small


def instances_to_panoptic(sem: np.ndarray, inst: np.ndarray,
                          small: Optional[np.ndarray], label_divisor: int,
                          void_class: int = 255) -> np.ndarray:
    """Panoptic ids ``class * label_divisor + instance`` (stuff: instance 0).

    Pixels of ``small`` become VOID (``void_class * label_divisor``).

    Raises:
        ValueError when an instance id reaches ``label_divisor``.
    """
    inst = np.asarray(inst, np.int64)
    if inst.size and int(inst.max()) >= label_divisor:
        raise ValueError(f'instance id {int(inst.max())} does not fit under '
                         f'label_divisor={label_divisor}')
    pan = np.asarray(sem, np.int64) * label_divisor + inst
    if small is not None:
        pan[small] = void_class * label_divisor
    return pan
