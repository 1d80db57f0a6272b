"""Pure functions for (temporal) pseudo labels of self-training.

Conventions (docs/conventions.md): a clip's frames are ordered key frame first;
``flows[:, i]`` is the backward flow from the key frame to reference frame
``i + 1`` (N x 2 x H x W, pixels), so ``flow_warp(probs_ref, flow)`` brings the
reference frame's prediction onto the key frame. Labels use 255 = ignore.
"""
from typing import Optional, Tuple

import torch

from uda_video.ops import flow_warp, in_frame_mask, resize_flow

IGNORE_INDEX = 255


def warp_clip_probs(probs: torch.Tensor,
                    flows: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Warp every reference frame's probabilities onto the key frame.

    Args:
        probs: N x T x K x H x W softmax of the clip's frames (key first).
        flows: N x (T-1) x 2 x h x w backward flows key -> reference; resized
            (values rescaled) to H x W when their grid differs.

    Returns:
        (warped, valid): N x T x K x H x W probabilities on the key frame's grid
        (index 0 is the key frame itself) and N x T x H x W bool, False where
        a reference pixel falls outside its frame.
    """
    if probs.dim() != 5:
        raise ValueError(f'probs must be N x T x K x H x W, got {tuple(probs.shape)}')
    n, t, k, h, w = probs.shape
    if t == 1:
        return probs, torch.ones(n, 1, h, w, dtype=torch.bool,
                                 device=probs.device)
    if flows is None or flows.dim() != 5 or flows.shape[:3] != (n, t - 1, 2):
        raise ValueError(f'flows must be N x {t - 1} x 2 x H x W for a clip of '
                         f'{t} frames, got '
                         f'{None if flows is None else tuple(flows.shape)}')
    flat = resize_flow(flows.flatten(0, 1).to(probs.dtype), (h, w))
    refs = probs[:, 1:].flatten(0, 1)
    warped = flow_warp(refs, flat, mode='bilinear', padding_mode='zeros')
    valid = in_frame_mask(flat).view(n, t - 1, h, w)
    warped = torch.cat([probs[:, :1], warped.view(n, t - 1, k, h, w)], dim=1)
    valid = torch.cat([valid.new_ones(n, 1, h, w), valid], dim=1)
    return warped, valid


def photometric_valid(images: torch.Tensor, flows: torch.Tensor,
                      threshold: float) -> torch.Tensor:
    """Pixels where each reference frame, warped by flow, still looks like
    the key frame: the occlusion test of flow without its inverse.

    Args:
        images: N x T x C x H x W frames of the clip (key first), as the
            network reads them (normalised).
        flows: N x (T-1) x 2 x h x w backward flows key -> reference,
            resized (values rescaled) to H x W when their grid differs.
        threshold: largest channel-mean absolute difference, in the units
            of ``images``, of a visible pixel.

    Returns:
        N x T x H x W bool (the key frame is always valid). A pixel that an
        occluder covers in the reference frame, or that the flow misplaces,
        fetches another object's colour and fails.
    """
    if threshold <= 0:
        raise ValueError(f'photometric threshold must be > 0, got {threshold}')
    n, t, c, h, w = images.shape
    if t == 1:
        return torch.ones(n, 1, h, w, dtype=torch.bool, device=images.device)
    flat = resize_flow(flows.flatten(0, 1).to(images.dtype), (h, w))
    warped = flow_warp(images[:, 1:].flatten(0, 1), flat, mode='bilinear',
                       padding_mode='border').view(n, t - 1, c, h, w)
    diff = (warped - images[:, :1]).abs().mean(2)
    return torch.cat([diff.new_ones(n, 1, h, w, dtype=torch.bool),
                      diff <= threshold], dim=1)


def fuse_probs(warped: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean of the warped softmax over the frames valid at each pixel.

    Args:
        warped: N x T x K x H x W; valid: N x T x H x W bool.

    Returns:
        N x K x H x W fused probabilities.
    """
    weight = valid.unsqueeze(2).to(warped.dtype)
    return (warped * weight).sum(1) / weight.sum(1).clamp(min=1.0)


def temporal_agreement(warped: torch.Tensor, valid: torch.Tensor,
                       min_frames: int = 1) -> torch.Tensor:
    """Pixels whose per-frame labels (argmax of each warped frame) agree.

    A frame whose warp is invalid at a pixel is not counted there; at least
    ``min_frames`` valid frames must vote (all of them for the same class).

    Returns:
        N x H x W bool.
    """
    labels = warped.argmax(2)  # N x T x H x W
    key = labels[:, :1]
    agree = ((labels == key) | ~valid).all(1)
    return agree & (valid.sum(1) >= min_frames)


def class_balanced_thresholds(conf: torch.Tensor,
                              labels: torch.Tensor,
                              num_classes: int,
                              keep_fraction: float,
                              max_threshold: float = 1.0,
                              mask: Optional[torch.Tensor] = None
                              ) -> torch.Tensor:
    """Per-class confidence thresholds keeping ``keep_fraction`` of each class.

    For class c the threshold is the ``(1 - keep_fraction)`` quantile of the
    confidences of the pixels predicted as c, capped at ``max_threshold``
    (a cap keeps more pixels of classes the model is very sure of).

    Args:
        conf: any shape, max probability per pixel.
        labels: same shape, predicted class per pixel.
        num_classes: K.
        keep_fraction: in (0, 1].
        max_threshold: upper bound of every threshold.
        mask: optional bool, same shape: pixels taking part.

    Returns:
        K thresholds (float); +inf for a class with no pixel.
    """
    if not 0.0 < keep_fraction <= 1.0:
        raise ValueError(f'keep_fraction must be in (0, 1], got {keep_fraction}')
    conf = conf.reshape(-1)
    labels = labels.reshape(-1)
    if mask is not None:
        keep = mask.reshape(-1)
        conf, labels = conf[keep], labels[keep]
    thr = conf.new_full((num_classes, ), float('inf'))
    for c in range(num_classes):
        values = conf[labels == c]
        if values.numel() == 0:
            continue
        # Keep the ceil(fraction * n) most confident pixels of class c.
        n_keep = max(1, int(round(keep_fraction * values.numel())))
        kth = torch.topk(values, n_keep, largest=True, sorted=False).values.min()
        thr[c] = torch.clamp(kth, max=max_threshold)
    return thr


def apply_thresholds(conf: torch.Tensor, labels: torch.Tensor,
                     thresholds: torch.Tensor) -> torch.Tensor:
    """Bool mask: ``conf >= thresholds[labels]`` (same shape as ``labels``)."""
    return conf >= thresholds.to(conf)[labels.clamp(0, thresholds.numel() - 1)]


def fused_predictions(probs: torch.Tensor, flows: Optional[torch.Tensor],
                      consistency: bool = True,
                      images: Optional[torch.Tensor] = None,
                      photometric_threshold: Optional[float] = None
                      ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Key-frame predictions of a clip before any threshold.

    Neighbouring frames' softmax is warped to the key frame by flow and
    fused by the mean; with ``consistency`` (and T > 1) only pixels whose
    warped per-frame labels agree take part. With ``photometric_threshold``
    a reference frame counts at a pixel only where it passes
    :func:`photometric_valid` (occluded there: left out of the fusion and
    of the vote, as out-of-frame pixels are).

    Args:
        probs: N x T x K x H x W softmax (key frame first).
        flows: N x (T-1) x 2 x h x w backward flows (None when T == 1).
        images: N x T x C x H x W frames of the clip, needed with
            ``photometric_threshold``.

    Returns:
        (labels N x H x W int64, fused confidence N x H x W, candidates
        N x H x W bool: the pixels thresholds may keep).
    """
    warped, valid = warp_clip_probs(probs, flows)
    if photometric_threshold is not None and probs.size(1) > 1:
        if images is None:
            raise ValueError('photometric_threshold needs the clip images')
        valid = valid & photometric_valid(images, flows,
                                          photometric_threshold)
    conf, labels = fuse_probs(warped, valid).max(1)
    if consistency and probs.size(1) > 1:
        candidates = temporal_agreement(warped, valid)
    else:
        candidates = torch.ones_like(labels, dtype=torch.bool)
    return labels, conf, candidates


def threshold_pseudo_labels(labels: torch.Tensor, conf: torch.Tensor,
                            candidates: torch.Tensor,
                            thresholds: torch.Tensor,
                            ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """Pseudo labels: ``labels`` where a candidate's confidence passes its
    class threshold (:func:`apply_thresholds`), ``ignore_index`` elsewhere.

    The one labelling rule of online self-training (batch or running
    thresholds) and of offline rounds (split thresholds from histograms,
    confidences at bin centres ``q / (bins - 1)``).
    """
    keep = candidates & apply_thresholds(conf, labels, thresholds)
    return torch.where(keep, labels, torch.full_like(labels, ignore_index))


def running_thresholds(running: torch.Tensor, batch: torch.Tensor,
                       momentum: float) -> torch.Tensor:
    """``momentum * running + (1 - momentum) * batch`` per class.

    NaN in ``running`` = never seen (takes the batch's); a non-finite batch
    threshold (class absent from the batch) keeps the running one.
    """
    batch = torch.where(torch.isfinite(batch), batch, running)
    new = torch.where(torch.isnan(running), batch,
                      momentum * running + (1 - momentum) * batch)
    return torch.where(torch.isnan(new), running, new)


def temporal_pseudo_labels(probs: torch.Tensor,
                           flows: Optional[torch.Tensor],
                           keep_fraction: float = 0.5,
                           max_threshold: float = 1.0,
                           thresholds: Optional[torch.Tensor] = None,
                           consistency: bool = True,
                           ignore_index: int = IGNORE_INDEX
                           ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pseudo labels of the key frame from a clip's predictions.

    :func:`fused_predictions`, then :func:`threshold_pseudo_labels` with the
    class-balanced thresholds of this batch's candidates (or ``thresholds``).
    With T == 1 it is single-frame class-balanced self-training.

    Args:
        probs: N x T x K x H x W softmax (key frame first).
        flows: N x (T-1) x 2 x h x w backward flows (None when T == 1).
        keep_fraction, max_threshold: see :func:`class_balanced_thresholds`.
        thresholds: K precomputed thresholds (e.g. running or offline
            statistics) used instead of this batch's.
        consistency: apply the temporal-agreement filter.

    Returns:
        (labels N x H x W int64 with ``ignore_index``, fused confidence
        N x H x W, thresholds K used).
    """
    labels, conf, candidates = fused_predictions(probs, flows, consistency)
    if thresholds is None:
        thresholds = class_balanced_thresholds(
            conf, labels, probs.size(2), keep_fraction, max_threshold,
            mask=candidates)
    out = threshold_pseudo_labels(labels, conf, candidates, thresholds,
                                  ignore_index)
    return out, conf, thresholds


def confidence_histogram(conf: torch.Tensor, labels: torch.Tensor,
                         num_classes: int, bins: int = 1000,
                         mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """K x bins counts of confidences in [0, 1] per predicted class.

    Additive over frames, so a whole split's class-balanced thresholds come
    from one pass (:func:`thresholds_from_histogram`).
    """
    conf = conf.reshape(-1)
    labels = labels.reshape(-1).long()
    if mask is not None:
        keep = mask.reshape(-1)
        conf, labels = conf[keep], labels[keep]
    idx = (conf.clamp(0, 1) * (bins - 1)).round().long()
    flat = torch.bincount(labels * bins + idx, minlength=num_classes * bins)
    return flat[:num_classes * bins].view(num_classes, bins)


def thresholds_from_histogram(hist: torch.Tensor, keep_fraction: float,
                              max_threshold: float = 1.0) -> torch.Tensor:
    """Class-balanced thresholds (K) from a K x bins confidence histogram.

    The threshold of class c is the lower edge of the lowest bin such that the
    pixels in it and above are at most ``keep_fraction`` of the class (bin
    precision: use the confidences binned the same way to apply it);
    +inf for an empty class; capped at ``max_threshold``.
    """
    if not 0.0 < keep_fraction <= 1.0:
        raise ValueError(f'keep_fraction must be in (0, 1], got {keep_fraction}')
    k, bins = hist.shape
    # counts at or above each bin, from the top.
    above = hist.flip(1).cumsum(1).flip(1).double()
    total = above[:, :1]
    ok = above <= keep_fraction * total + 0.5
    first = torch.where(ok.any(1), ok.float().argmax(1),
                        torch.full((k, ), bins - 1, dtype=torch.long))
    # bin b holds confidences in [(b - 0.5), (b + 0.5)) / (bins - 1).
    thr = ((first.double() - 0.5) / (bins - 1)).clamp(min=0.0)
    thr = torch.clamp(thr, max=max_threshold)
    thr[total[:, 0] == 0] = float('inf')
    return thr.float()
