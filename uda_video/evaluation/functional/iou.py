"""Semantic segmentation statistics (pure functions, additive over frames).

Per frame: ``intersect_and_union`` gives four C-vectors (intersection, union,
predicted area, label area) over pixels whose label is not ``ignore_index``;
summing them over a split and calling ``iou_from_areas`` reproduces mmseg's
``IoUMetric`` (mIoU = NaN-mean over classes of intersection / union).
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch


def intersect_and_union(pred: torch.Tensor, label: torch.Tensor,
                        num_classes: int, ignore_index: int = 255
                        ) -> Tuple[torch.Tensor, ...]:
    """Areas of one frame.

    Args:
        pred: H x W class ids.
        label: H x W class ids, ``ignore_index`` = not evaluated.
        num_classes: C; predicted or labelled ids outside [0, C) count
            nowhere (as in mmseg).

    Returns:
        (intersection, union, pred area, label area), each float64 (C,) on CPU.
    """
    if pred.shape != label.shape:
        raise ValueError(f'prediction {tuple(pred.shape)} and label '
                         f'{tuple(label.shape)} differ in shape')
    pred = pred.reshape(-1).long()
    label = label.reshape(-1).long().to(pred.device)
    keep = label != ignore_index
    pred, label = pred[keep], label[keep]

    def hist(x):
        x = x[(x >= 0) & (x < num_classes)]
        return torch.bincount(x, minlength=num_classes).double().cpu()

    area_inter = hist(pred[pred == label])
    area_pred = hist(pred)
    area_label = hist(label)
    return area_inter, area_pred + area_label - area_inter, area_pred, \
        area_label


def iou_from_areas(area_inter: np.ndarray, area_union: np.ndarray,
                   area_label: np.ndarray) -> Dict[str, np.ndarray]:
    """Per-class IoU and Acc (NaN where undefined) and aAcc, fractions.

    Returns:
        dict 'IoU' (C,), 'Acc' (C,), 'aAcc' scalar array.
    """
    area_inter = np.asarray(area_inter, np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        return dict(
            IoU=area_inter / np.asarray(area_union, np.float64),
            Acc=area_inter / np.asarray(area_label, np.float64),
            aAcc=np.asarray(area_inter.sum() / np.sum(area_label)))


def subset_mean(values: np.ndarray, class_names: Sequence[str],
                subset: Sequence[str],
                what: Optional[str] = None) -> float:
    """NaN-mean of per-class ``values`` over the classes named in ``subset``."""
    index = {name: i for i, name in enumerate(class_names)}
    missing = [name for name in subset if name not in index]
    if missing:
        raise KeyError(f'class subset {what or ""} names {missing}, not in the '
                       f'dataset classes {list(class_names)}')
    sel = np.asarray([values[index[name]] for name in subset], np.float64)
    return float(np.nanmean(sel)) if (~np.isnan(sel)).any() else float('nan')
