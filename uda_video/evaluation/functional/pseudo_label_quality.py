"""Quality of pseudo labels against ground truth (pure functions, additive).

Per frame, :func:`pseudo_label_stats` counts four C-vectors over the pixels
whose ground truth is valid (not ``ignore_index``); a pseudo label equal to
``ignore_index`` means "not labelled":

* ``correct[c]``: pseudo label c and ground truth c;
* ``labelled[c]``: pseudo label c (whatever the ground truth);
* ``covered[c]``: ground truth c and some pseudo label (any class);
* ``gt[c]``: ground truth c.

Summed over frames (the rows add) they give, in :func:`pseudo_label_quality`,

* precision of class c = ``correct / labelled`` (of the pixels pseudo-labelled
  c, the fraction whose ground truth is c), pixel precision
  ``sum(correct) / sum(labelled)``;
* coverage of class c = ``covered / gt`` (of the ground-truth pixels of c, the
  fraction that received a pseudo label), pixel coverage
  ``sum(covered) / sum(gt)``;
* IoU of class c = ``correct / (labelled + gt - correct)``: unlabelled pixels
  count as predicted nowhere, so a low coverage lowers the IoU; mIoU is the
  mean over classes whose union is not empty (mmseg's convention).

Undefined values (empty denominators) are NaN.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch

STAT_ROWS = ('correct', 'labelled', 'covered', 'gt')

ArrayLike = Union[np.ndarray, torch.Tensor]


def pseudo_label_stats(pseudo: torch.Tensor, label: torch.Tensor,
                       num_classes: int,
                       ignore_index: int = 255) -> torch.Tensor:
    """Additive statistics of pseudo labels against ground truth.

    Args:
        pseudo: pseudo labels, any shape (e.g. N x H x W), class ids in
            [0, C) or ``ignore_index`` (not labelled).
        label: ground truth of the same shape, ``ignore_index`` = not
            evaluated; ids outside [0, C) are not evaluated either.
        num_classes: C.
        ignore_index: the id of "no label" in both maps.

    Returns:
        float64 tensor 4 x C on the CPU, rows in the order of ``STAT_ROWS``
        (correct, labelled, covered, gt); sum it over frames or batches.
    """
    if pseudo.shape != label.shape:
        raise ValueError(f'pseudo labels {tuple(pseudo.shape)} and ground '
                         f'truth {tuple(label.shape)} differ in shape')
    pseudo = pseudo.reshape(-1).long()
    label = label.reshape(-1).long().to(pseudo.device)
    bad = (pseudo != ignore_index) & ((pseudo < 0) | (pseudo >= num_classes))
    if bad.any():
        raise ValueError(f'pseudo labels hold ids '
                         f'{torch.unique(pseudo[bad]).tolist()} outside the '
                         f'{num_classes} classes ({ignore_index} = not '
                         'labelled)')
    valid = (label >= 0) & (label < num_classes)
    pseudo, label = pseudo[valid], label[valid]
    has_pseudo = pseudo != ignore_index

    def hist(x):
        return torch.bincount(x, minlength=num_classes).double().cpu()

    return torch.stack([
        hist(label[has_pseudo & (pseudo == label)]),
        hist(pseudo[has_pseudo]),
        hist(label[has_pseudo]),
        hist(label),
    ])


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def pseudo_label_quality(stats: ArrayLike,
                         class_names: Optional[Sequence[str]] = None
                         ) -> Dict[str, Union[float, list]]:
    """Precision, coverage and IoU (fractions) from summed statistics.

    Args:
        stats: 4 x C, a sum of :func:`pseudo_label_stats`.
        class_names: optional C names, returned under ``classes``.

    Returns:
        dict with scalars ``precision``, ``coverage`` (pixel level),
        ``mIoU``, ``mPrecision`` (mean of the defined class precisions),
        ``gt_pixels`` and per-class lists ``class_precision``,
        ``class_coverage``, ``class_IoU`` (NaN where undefined).
    """
    s = np.asarray(stats.cpu() if isinstance(stats, torch.Tensor) else stats,
                   np.float64)
    if s.ndim != 2 or s.shape[0] != len(STAT_ROWS):
        raise ValueError(f'stats must be {len(STAT_ROWS)} x C '
                         f'({", ".join(STAT_ROWS)}), got shape {s.shape}')
    correct, labelled, covered, gt = s
    if class_names is not None and len(class_names) != s.shape[1]:
        raise ValueError(f'{len(class_names)} class names for statistics of '
                         f'{s.shape[1]} classes')
    union = labelled + gt - correct
    iou = _ratio(correct, union)
    precision = _ratio(correct, labelled)

    def mean(x):
        return float(np.nanmean(x)) if (~np.isnan(x)).any() else float('nan')

    out = dict(
        precision=float(_ratio(correct.sum(), labelled.sum())),
        coverage=float(_ratio(covered.sum(), gt.sum())),
        mIoU=mean(iou),
        mPrecision=mean(precision),
        gt_pixels=int(gt.sum()),
        class_precision=precision.tolist(),
        class_coverage=_ratio(covered, gt).tolist(),
        class_IoU=iou.tolist())
    if class_names is not None:
        out['classes'] = list(class_names)
    return out


def threshold_for_coverage(conf: torch.Tensor, coverage: float) -> float:
    """The confidence threshold that labels a ``coverage`` fraction of pixels.

    Keeping the pixels with ``conf >= threshold`` keeps the
    ``round(coverage * n)`` most confident of the n given (more only where
    confidences tie at the threshold); ``+inf`` keeps none.

    Args:
        conf: confidences of the pixels taking part (any shape).
        coverage: the fraction to label, in [0, 1].
    """
    if not 0.0 <= coverage <= 1.0:
        raise ValueError(f'coverage must be in [0, 1], got {coverage}')
    conf = conf.reshape(-1)
    n_keep = int(round(coverage * conf.numel()))
    if n_keep == 0:
        return float('inf')
    return float(torch.topk(conf.float(), n_keep, largest=True,
                            sorted=False).values.min())
