"""Pseudo-label quality from one checkpoint: temporal against single-frame.

``compare_pseudo_labels`` labels the target clips of a SelfTrainingUDA
config's ``pseudo_label_dataloader`` twice with the same network:

* temporal: every frame's softmax warped to the key frame by flow, fused,
  agreement-filtered and class-balanced thresholded over the whole split,
  the labels an offline round (``tools/misc/gen_pseudo_labels.py``) writes;
* single-frame at matched coverage: the key frame's own argmax, kept where
  its confidence reaches one threshold chosen so that the fraction of
  ground-truth pixels labelled equals the temporal labels' coverage
  (``threshold_for_coverage``);
* single-frame class-balanced: the key frame's own softmax with the same
  class-balanced thresholding as the temporal labels (image self-training's
  labels; its coverage is its own).

Each is scored against the target ground truth of the labelled frames
(precision, coverage, mIoU; ``pseudo_label_quality``).
"""
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from uda_video.evaluation.functional import (pseudo_label_quality,
                                             pseudo_label_stats,
                                             threshold_for_coverage)
from .pseudo_label_generation import fused_clip_predictions
from .pseudo_label_quality import has_ground_truth, target_ground_truth
from .pseudo_labels import (confidence_histogram, threshold_pseudo_labels,
                            thresholds_from_histogram)

BINS = 1000
KINDS = ('temporal', 'single_frame_matched', 'single_frame_class_balanced')


def quantize(conf: torch.Tensor, bins: int = BINS) -> torch.Tensor:
    """Confidences (float64) at the centres of ``confidence_histogram``'s
    bins, as offline rounds apply histogram thresholds to them."""
    return (conf.clamp(0, 1) * (bins - 1)).round().double() / (bins - 1)


@torch.no_grad()
def compare_pseudo_labels(model: torch.nn.Module, net: torch.nn.Module,
                          loader: Sequence,
                          class_names: Optional[Sequence[str]] = None,
                          bins: int = BINS,
                          on_sample: Optional[Callable[[], None]] = None
                          ) -> Dict:
    """Temporal against single-frame pseudo labels (module docstring).

    Args:
        model: a SelfTrainingUDA (its ``num_frames`` > 1, ``keep_fraction``,
            ``max_threshold``, ``consistency`` and flow source define the
            temporal labels).
        net: the network that labels (teacher or student of ``model``).
        loader: batches of target clips (key frame first, flow as the model
            needs it); frames whose samples carry ground truth are scored.
        class_names: C names for the report.
        on_sample: called once per clip (progress).

    Returns:
        dict with ``frames``, ``frames_with_gt``, the temporal settings,
        ``thresholds`` (per kind), a ``pseudo_label_quality`` dict per kind
        (``KINDS``) and ``precision_gain`` (temporal minus single-frame
        precision at matched coverage).
    """
    f = model.num_frames
    if f < 2:
        raise ValueError(f'temporal pseudo labels need model.num_frames > 1, '
                         f'got {f}')
    num_classes = model.segmentor.out_channels
    hist_t = torch.zeros(num_classes, bins, dtype=torch.long)
    hist_s = torch.zeros(num_classes, bins, dtype=torch.long)
    scored: List[dict] = []
    frames = 0
    for batch in loader:
        samples, probs, labels_t, conf_t, agree = fused_clip_predictions(
            model, net, batch)
        conf_s, labels_s = probs[:, 0].max(1)
        hist_t += confidence_histogram(conf_t, labels_t, num_classes, bins,
                                       agree)
        hist_s += confidence_histogram(conf_s, labels_s, num_classes, bins)
        gt = target_ground_truth(samples, labels_t.shape[-2:])
        for i, s in enumerate(samples):
            frames += 1
            if on_sample is not None:
                on_sample()
            if gt is None or not has_ground_truth(s):
                continue
            scored.append(dict(
                gt=gt[i], labels_t=labels_t[i].cpu(),
                conf_t=quantize(conf_t[i], bins).cpu(), agree=agree[i].cpu(),
                labels_s=labels_s[i].cpu(), conf_s=conf_s[i].cpu()))
    valid_px = [((d['gt'] >= 0) & (d['gt'] < num_classes)) for d in scored]
    if not scored or not any(v.any() for v in valid_px):
        raise ValueError(
            f'none of the {frames} clips carries target ground truth: '
            'score pseudo labels on a split with labelled key frames (the '
            "pseudo_label_dataloader's dataset with its gtFine labels)")
    thr_t = thresholds_from_histogram(hist_t, model.keep_fraction,
                                      model.max_threshold)
    thr_s = thresholds_from_histogram(hist_s, model.keep_fraction,
                                      model.max_threshold)
    temporal = [
        threshold_pseudo_labels(d['labels_t'], d['conf_t'], d['agree'], thr_t)
        for d in scored
    ]
    stats = {k: torch.zeros(4, num_classes, dtype=torch.float64)
             for k in KINDS}
    for d, pseudo in zip(scored, temporal):
        stats['temporal'] += pseudo_label_stats(pseudo, d['gt'], num_classes)
    coverage = pseudo_label_quality(stats['temporal'])['coverage']
    # One confidence threshold labelling the same fraction of the scored
    # (ground-truth) pixels as the temporal labels do.
    tau = threshold_for_coverage(
        torch.cat([d['conf_s'][v] for d, v in zip(scored, valid_px)]),
        coverage)
    # One threshold for every class: the same rule with a constant.
    matched = torch.full((num_classes, ), tau, dtype=torch.float64)
    for d in scored:
        everywhere = torch.ones_like(d['labels_s'], dtype=torch.bool)
        stats['single_frame_matched'] += pseudo_label_stats(
            threshold_pseudo_labels(d['labels_s'], d['conf_s'].double(),
                                    everywhere, matched),
            d['gt'], num_classes)
        stats['single_frame_class_balanced'] += pseudo_label_stats(
            threshold_pseudo_labels(d['labels_s'],
                                    quantize(d['conf_s'], bins), everywhere,
                                    thr_s),
            d['gt'], num_classes)
    out = dict(frames=frames, frames_with_gt=len(scored), num_frames=f,
               keep_fraction=model.keep_fraction,
               max_threshold=model.max_threshold,
               consistency=bool(model.consistency))
    out['thresholds'] = dict(
        temporal=_finite_list(thr_t),
        single_frame_matched=tau if np.isfinite(tau) else None,
        single_frame_class_balanced=_finite_list(thr_s))
    for k in KINDS:
        out[k] = pseudo_label_quality(stats[k], class_names)
    out['precision_gain'] = (out['temporal']['precision'] -
                             out['single_frame_matched']['precision'])
    return out


def _finite_list(thr: torch.Tensor) -> List[Optional[float]]:
    return [float(t) if np.isfinite(t) else None for t in thr.tolist()]
