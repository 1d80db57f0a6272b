"""Video panoptic quality (VPQ) statistics as pure numpy functions.

Definition (docs/conventions.md, ANCHORS.md): for each video, windows of ``n``
consecutive annotated frames slide over the video (stride 1); inside a window the
segment ids of all frames are stacked into tubes (same id = same tube). A tube's
category and crowd flag are those of the first frame of the window that lists
it (a tracked segment may change class between frames). A predicted tube
matches a ground-truth tube of the same category when

    IoU = |g & p| / (|g| + |p| - |g & p| - |p & VOID|) > 0.5;

crowd ground truth is never matched nor counted as a false negative; an
unmatched prediction is not a false positive when more than half of it lies on
VOID or on crowd regions of its own category. Statistics per category are
``tp, fp, fn, iou_sum`` (a ``4 x C`` float array, rows in this order), summed
over all windows of all videos for one window size; PQ per category is
``iou_sum / (tp + fp / 2 + fn / 2)``, categories with ``tp + fp + fn == 0``
are skipped in the means.

The work per video is one joint histogram per frame (a ``bincount`` over
combined compact ids); every window then sums the small per-frame histograms,
so pixels are read once per frame, not once per window or per segment.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

#: Category value marking VOID segments in the segment tables below.
VOID = -1
#: Category value of ground-truth ids that are neither scored nor VOID (ids a
#: submission's ground-truth JSON does not list for the window, or whose
#: category is not in the category list): never matched, never a false
#: negative, and not VOID for the union or the false-positive rule.
IGNORE = -2
#: Rows of a PQ statistics array.
TP, FP, FN, IOU = 0, 1, 2, 3

PairCounts = Tuple[np.ndarray, np.ndarray, np.ndarray]


def compact_ids(ids: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Sorted unique values of a non-negative int array and indices into them.

    Linear time through a presence table when the id range is moderate
    (the Cityscapes encoding, RGB-encoded PNG ids), else ``np.unique``.

    Returns:
        (unique ids (U,) int64, index of every element of the flattened
        array into them (N,), int32 when U < 2**31 on the fast path).
    """
    ids = np.asarray(ids).ravel()
    if ids.dtype.kind not in 'iu':
        raise TypeError(f'segment ids must be integers, got {ids.dtype}')
    if ids.dtype.kind == 'u' and ids.dtype.itemsize == 8:
        ids = ids.astype(np.int64)
    if ids.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty
    if ids.dtype.kind == 'i':
        lo = int(ids.min())
        if lo < 0:
            raise ValueError(f'segment ids must be >= 0, got {lo}')
    top = int(ids.max()) + 1
    if top <= max(1 << 24, 4 * ids.size):
        present = np.bincount(ids, minlength=top) > 0
        uniq = np.flatnonzero(present)
        lut = (np.cumsum(present) - 1).astype(np.int32)
        return uniq.astype(np.int64), np.take(lut, ids)
    uniq, inverse = np.unique(ids, return_inverse=True)
    return uniq.astype(np.int64), inverse.ravel().astype(np.int64)


def joint_histogram(gt_ids: np.ndarray, pred_ids: np.ndarray) -> PairCounts:
    """Sparse joint histogram of two id maps of the same shape.

    Args:
        gt_ids, pred_ids: integer id maps (any equal shape, ids >= 0).

    Returns:
        (gt id (K,), pred id (K,), pixel count (K,)) for every co-occurring pair.
    """
    if gt_ids.shape != pred_ids.shape:
        raise ValueError(f'ground truth {gt_ids.shape} and prediction '
                         f'{pred_ids.shape} id maps differ in shape')
    gt_u, g = compact_ids(gt_ids)
    pred_u, p = compact_ids(pred_ids)
    n_pred = max(len(pred_u), 1)
    if len(gt_u) * n_pred >= 2**31:
        g, p = g.astype(np.int64), p.astype(np.int64)
    hist = np.bincount(g * g.dtype.type(n_pred) + p,
                       minlength=len(gt_u) * n_pred)
    nz = np.flatnonzero(hist)
    return gt_u[nz // n_pred], pred_u[nz % n_pred], hist[nz]


def merge_pair_counts(frames: Sequence[PairCounts]
                      ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum sparse joint histograms of several frames into a dense matrix.

    Returns:
        (gt ids (G,), pred ids (P,), intersection matrix G x P float64).
    """
    gt = np.concatenate([f[0] for f in frames])
    pred = np.concatenate([f[1] for f in frames])
    cnt = np.concatenate([f[2] for f in frames]).astype(np.float64)
    gt_u, g = np.unique(gt, return_inverse=True)
    pred_u, p = np.unique(pred, return_inverse=True)
    inter = np.bincount(
        g.ravel() * len(pred_u) + p.ravel(), weights=cnt,
        minlength=len(gt_u) * len(pred_u)).reshape(len(gt_u), len(pred_u))
    return gt_u, pred_u, inter


def pq_stat_from_intersections(inter: np.ndarray,
                               gt_cat: np.ndarray,
                               gt_crowd: np.ndarray,
                               pred_cat: np.ndarray,
                               num_classes: int,
                               gt_void: Optional[np.ndarray] = None,
                               gt_area: Optional[np.ndarray] = None,
                               fp_crowd: Optional[np.ndarray] = None
                               ) -> np.ndarray:
    """PQ statistics of one window from its tube intersection matrix.

    Args:
        inter: G x P pixel counts of ground-truth tube g and predicted tube p
            (a row may be all zero: a listed segment with no pixels).
        gt_cat: (G,) category of each ground-truth tube, ``VOID`` (-1) for
            void, ``IGNORE`` (-2) for tubes that are not scored.
        gt_crowd: (G,) bool, crowd ground truth.
        pred_cat: (P,) category of each predicted tube, ``VOID`` for void.
        num_classes: C.
        gt_void: (G,) bool, tubes whose pixels are VOID in the union and the
            false-positive rule; default ``gt_cat == VOID``.
        gt_area: (G,) ground-truth tube areas; default the pixel counts
            ``inter.sum(1)`` (the official script's bookkeeping differs).
        fp_crowd: (G,) bool, crowd tubes whose overlap with a prediction of
            their category excuses it as a false positive; default
            ``gt_crowd`` (every crowd region of the category).

    Returns:
        4 x C float64 array: tp, fp, fn, iou_sum per category.
    """
    gt_cat = np.asarray(gt_cat, np.int64)
    pred_cat = np.asarray(pred_cat, np.int64)
    gt_crowd = np.asarray(gt_crowd, bool)
    gt_void = gt_cat == VOID if gt_void is None else np.asarray(gt_void, bool)
    fp_crowd = gt_crowd if fp_crowd is None else np.asarray(fp_crowd, bool)
    scored_gt = (gt_cat >= 0) & ~gt_crowd
    pred_scored = pred_cat >= 0
    pred_area = inter.sum(0)
    gt_area = inter.sum(1) if gt_area is None else np.asarray(
        gt_area, np.float64)
    void_overlap = inter[gt_void].sum(0)
    same_cat = gt_cat[:, None] == pred_cat[None, :]
    candidate = (same_cat & (inter > 0) & scored_gt[:, None]
                 & pred_scored[None, :])
    union = gt_area[:, None] + pred_area[None, :] - inter - void_overlap[None]
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    if (iou[candidate] > 1.0).any():
        g = int(np.argmax((iou * candidate).max(1)))
        raise ValueError(f'tube IoU above 1 for ground-truth tube {g}: its '
                         f'area {gt_area[g]} is smaller than its pixels')
    match = candidate & (iou > 0.5)
    stat = np.zeros((4, num_classes), np.float64)
    g_idx, p_idx = np.nonzero(match)
    stat[TP] = np.bincount(gt_cat[g_idx], minlength=num_classes)
    stat[IOU] = np.bincount(gt_cat[g_idx], weights=iou[g_idx, p_idx],
                            minlength=num_classes)
    fn = ~match.any(1) & scored_gt
    stat[FN] = np.bincount(gt_cat[fn], minlength=num_classes)
    crowd_overlap = (inter * (same_cat & fp_crowd[:, None])).sum(0)
    ignored = (void_overlap + crowd_overlap) > 0.5 * pred_area
    fp = ~match.any(0) & pred_scored & ~ignored
    stat[FP] = np.bincount(pred_cat[fp], minlength=num_classes)
    return stat


def encoded_segment_table(ids: np.ndarray, is_thing: np.ndarray,
                          label_divisor: int = 1000,
                          void_class: int = 255,
                          what: str = 'segment'
                          ) -> Tuple[np.ndarray, np.ndarray]:
    """Category and crowd flag of ids in the ``class * divisor + track`` encoding.

    Class ``void_class`` is VOID; a thing class with track 0 is crowd.

    Args:
        ids: (N,) ids.
        is_thing: (C,) bool per class.

    Returns:
        (category (N,) int64 with ``VOID`` for void, crowd (N,) bool).
    """
    cat = ids // label_divisor
    void = cat == void_class
    bad = ~void & ((cat < 0) | (cat >= len(is_thing)))
    if bad.any():
        raise ValueError(f'{what} id {int(ids[bad][0])} has class '
                         f'{int(cat[bad][0])}, outside [0, {len(is_thing)}) '
                         f'and not the void class {void_class}')
    cat = np.where(void, VOID, cat).astype(np.int64)
    crowd = ~void & is_thing[np.clip(cat, 0, None)] & (ids % label_divisor == 0)
    return cat, crowd


def video_pq_stats(frames: Sequence[PairCounts],
                   window_sizes: Sequence[int],
                   gt_table, pred_table, num_classes: int) -> np.ndarray:
    """PQ statistics of one video for every window size.

    Args:
        frames: per annotated frame in order, its :func:`joint_histogram`.
        window_sizes: numbers of consecutive annotated frames per window
            (Cityscapes-VPS: 1, 2, 3, 4 for k = 0, 5, 10, 15).
        gt_table: callable ``ids -> (category with VOID, crowd)``.
        pred_table: callable ``ids -> category with VOID``.
        num_classes: C.

    Returns:
        len(window_sizes) x 4 x C statistics summed over the video's windows.
    """
    out = np.zeros((len(window_sizes), 4, num_classes), np.float64)
    for w, size in enumerate(window_sizes):
        if size < 1:
            raise ValueError(f'window size must be >= 1, got {size}')
        for start in range(len(frames) - size + 1):
            gt_u, pred_u, inter = merge_pair_counts(frames[start:start + size])
            gt_cat, gt_crowd = gt_table(gt_u)
            out[w] += pq_stat_from_intersections(inter, gt_cat, gt_crowd,
                                                 pred_table(pred_u),
                                                 num_classes)
    return out


def pq_from_stat(stat: np.ndarray) -> np.ndarray:
    """Per-category PQ (C,) from a 4 x C statistic; NaN where tp+fp+fn == 0."""
    tp, fp, fn, iou = stat
    denom = tp + 0.5 * fp + 0.5 * fn
    out = np.full(tp.shape, np.nan)
    np.divide(iou, denom, out=out, where=(tp + fp + fn) > 0)
    return out


def pq_summary(stat: np.ndarray, is_thing: np.ndarray) -> Dict[str, float]:
    """Mean PQ over categories with any tp/fp/fn: All, Things, Stuff.

    Returns:
        dict with 'all', 'thing', 'stuff' in [0, 1] (NaN when no category
        of the group occurs).
    """
    pq = pq_from_stat(stat)

    def mean(sel):
        vals = pq[sel & ~np.isnan(pq)]
        return float(vals.mean()) if vals.size else float('nan')

    is_thing = np.asarray(is_thing, bool)
    return dict(all=mean(np.ones_like(is_thing)), thing=mean(is_thing),
                stuff=mean(~is_thing))


def vpq_results(stats: np.ndarray, ks: Sequence[int], is_thing: np.ndarray,
                prefix: str = 'vpq') -> Dict[str, float]:
    """Final numbers in percent from W x 4 x C statistics (one row per k).

    Args:
        prefix: key prefix, ``'vpq'`` for panoptic VPQ, ``'svpq'`` for
            semantic VPQ (each class of a frame one segment on both sides).

    Returns:
        ``{prefix}_all``, ``{prefix}_thing``, ``{prefix}_stuff`` (means over k,
        NaN-aware) and ``{prefix}_all_k{k}``, ... per k.
    """
    out: Dict[str, float] = {}
    per_k: List[Dict[str, float]] = []
    for k, stat in zip(ks, stats):
        s = pq_summary(stat, is_thing)
        per_k.append(s)
        for part in ('all', 'thing', 'stuff'):
            out[f'{prefix}_{part}_k{k}'] = 100.0 * s[part]
    for part in ('all', 'thing', 'stuff'):
        vals = np.array([s[part] for s in per_k])
        out[f'{prefix}_{part}'] = (100.0 * float(np.nanmean(vals))
                                   if (~np.isnan(vals)).any() else float('nan'))
    return dict(sorted(out.items(), key=lambda kv: (kv[0].count('_k'), kv[0])))
