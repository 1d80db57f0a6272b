"""Pseudo-label quality from one checkpoint: temporal against single-frame.

``compare_pseudo_labels`` labels the target clips of a SelfTrainingUDA
config's ``pseudo_label_dataloader`` twice with the same network:

* temporal: every frame's softmax warped to the key frame by flow, fused,
  agreement-filtered and class-balanced thresholded over the whole split,
  the labels an offline round (``tools/gen_pseudo_labels.py``) writes;
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
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from uda_video.evaluation.functional import (pseudo_label_quality,
                                             pseudo_label_stats,
                                             threshold_for_coverage)
from uda_video.models.segmentors.base_video import clip_frames
from uda_video.models.uda.pseudo_label_quality import (has_ground_truth,
                                                       target_ground_truth)
from uda_video.models.uda.pseudo_labels import (confidence_histogram,
                                                fused_predictions,
                                                threshold_pseudo_labels,
                                                thresholds_from_histogram)
from uda_video.registry import MODELS

BINS = 1000
KINDS = ('temporal', 'single_frame_matched', 'single_frame_class_balanced')


def load_pseudo_label_config(path: str,
                             cfg_options: Optional[dict] = None) -> Config:
    """The config ``path`` (with ``cfg_options`` merged) of a self-training
    model; it must define ``pseudo_label_dataloader`` (the target clips to
    label), else a KeyError names the file."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'pseudo_label_dataloader' not in cfg:
        raise KeyError(f'{path} has no pseudo_label_dataloader (the '
                       'target clips to label)')
    return cfg


def load_self_training_model(cfg: Config, checkpoint: str,
                             weights: str = 'auto'
                             ) -> Tuple[torch.nn.Module, torch.nn.Module,
                                        bool]:
    """Build ``cfg.model`` (a SelfTrainingUDA), load ``checkpoint``.

    Args:
        weights: 'teacher' (the EMA teacher; refused when the checkpoint has
            none), 'student', or 'auto' (the teacher when present).

    Returns:
        (model in eval mode, the network that labels, whether it is the
        teacher).
    """
    from uda_video.models.uda import SelfTrainingUDA
    if weights not in ('auto', 'teacher', 'student'):
        raise ValueError(f"weights must be 'auto', 'teacher' or 'student', "
                         f'got {weights!r}')
    model = MODELS.build(cfg.model)
    if not isinstance(model, SelfTrainingUDA):
        raise TypeError(f'{cfg.filename}: model must be a SelfTrainingUDA, '
                        f'got {type(model).__name__}')
    ckpt = load_checkpoint(model, checkpoint, map_location='cpu',
                           logger='silent')
    has_teacher = any(k.startswith('teacher.') for k in ckpt['state_dict'])
    use_teacher = weights == 'teacher' or (weights == 'auto' and has_teacher)
    if use_teacher and not has_teacher:
        raise KeyError(f'{checkpoint} holds no EMA teacher')
    model.eval()
    net = model.teacher.model if use_teacher else model.segmentor
    return model, net, use_teacher


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
        data = model.data_preprocessor(batch, False)
        clips, samples = clip_frames(data['inputs']), data['data_samples']
        probs = model.clip_probs(net, clips, f)
        flows = model.clip_flows(clips, samples, f)
        labels_t, conf_t, agree = fused_predictions(probs, flows,
                                                    model.consistency)
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


def _pct(value: float) -> str:
    return '   n/a' if value != value else f'{100 * value:6.2f}'


def format_quality(quality: Dict, title: str = '') -> str:
    """A printable table of a ``pseudo_label_quality`` dict (per class and
    overall, in %)."""
    names = quality.get('classes') or [
        str(i) for i in range(len(quality['class_IoU']))]
    width = max([len(n) for n in names] + [8])
    lines = [title] if title else []
    lines.append(f'{"class":<{width}}  precision  coverage     IoU')
    for i, name in enumerate(names):
        precision = _pct(quality['class_precision'][i])
        coverage = _pct(quality['class_coverage'][i])
        iou = _pct(quality['class_IoU'][i])
        lines.append(f'{name:<{width}}     {precision}    {coverage}  {iou}')
    lines.append(f'{"all":<{width}}     {_pct(quality["precision"])}    '
                 f'{_pct(quality["coverage"])}  {_pct(quality["mIoU"])}')
    return '\n'.join(lines)


def format_comparison(result: Dict) -> str:
    """The three kinds side by side: precision, coverage, mIoU (%)."""
    rows = [f'{"pseudo labels":<30} precision  coverage    mIoU']
    for k in KINDS:
        q = result[k]
        rows.append(f'{k:<30}    {_pct(q["precision"])}    '
                    f'{_pct(q["coverage"])}  {_pct(q["mIoU"])}')
    rows.append(f'temporal - single-frame precision at matched coverage: '
                f'{100 * result["precision_gain"]:+.2f} points '
                f'({result["frames_with_gt"]} frames with ground truth)')
    return '\n'.join(rows)


def json_safe(obj):
    """``obj`` with NaN / infinite floats replaced by None (valid JSON)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj
