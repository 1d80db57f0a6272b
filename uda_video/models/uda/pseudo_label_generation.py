"""One offline round of (temporal) pseudo labels over a whole target split.

``write_pseudo_labels`` is what ``tools/misc/gen_pseudo_labels.py`` runs:
pass 1 fuses every clip's predictions (``fused_predictions``: flow-warped,
agreement-filtered) and accumulates the split's per-class confidence
histograms; the class-balanced thresholds come from those histograms; pass 2
thresholds every frame (the online rule on the binned confidences) and
writes ``{out_dir}/{video_id}/{frame_id:06d}.png`` (class ids, 255 = ignore).
``check_coverage`` refuses, before anything is computed, a loader that
misses a frame the training target set will ask a label for.
"""
import os
import os.path as osp
import shutil
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from uda_video.datasets.transforms.labels import pseudo_label_path
from uda_video.evaluation.functional import (pseudo_label_quality,
                                             pseudo_label_stats)
from uda_video.registry import DATASETS
from ..segmentors.base_video import clip_frames
from .pseudo_label_quality import has_ground_truth, target_ground_truth
from .pseudo_labels import (confidence_histogram, fused_predictions,
                            threshold_pseudo_labels,
                            thresholds_from_histogram)

BINS = 1000


def frame_keys(dataset) -> Dict[Tuple[str, int], str]:
    """(video_id, frame_id) -> img_path of every sample of a video dataset."""
    keys = {}
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        keys[(str(info['video_id']), int(info['frame_id']))] = info['img_path']
    return keys


def check_coverage(cfg, loader_dataset, out_dir: str) -> None:
    """Refuse a pseudo_label_dataloader that misses a frame of the training
    target set (``cfg.train_dataloader.dataset.target``: the frames
    ``LoadPseudoLabel`` will ask for); the ValueError names one."""
    train = cfg.get('train_dataloader', {}).get('dataset', {})
    if not isinstance(train, dict) or 'target' not in train:
        return
    target = train['target'].copy()
    target.update(pipeline=[], load_flow=False, load_flow_back=False,
                  lazy_init=False)
    needed = frame_keys(DATASETS.build(target))
    labelled = frame_keys(loader_dataset)
    missing = sorted(set(needed) - set(labelled))
    if missing:
        video_id, frame_id = missing[0]
        raise ValueError(
            f'pseudo_label_dataloader labels {len(labelled)} frames but the '
            f'training target set (train_dataloader.dataset.target) uses '
            f'{len(needed)}; {len(missing)} would have no pseudo label, e.g. '
            f'{pseudo_label_path(out_dir, video_id, frame_id)} for '
            f'{needed[missing[0]]} (label every frame the target set uses: '
            'all_frames=True, the same data_root and split)')


def fused_clip_predictions(model: torch.nn.Module, net: torch.nn.Module,
                           batch: dict) -> Tuple[list, torch.Tensor,
                                                 torch.Tensor, torch.Tensor,
                                                 torch.Tensor]:
    """``net``'s predictions of one batch of target clips, fused on the key
    frame as ``model`` (a SelfTrainingUDA) fuses them.

    Returns:
        (data samples, per-frame softmax N x T x C x H x W, fused labels
        N x H x W, their confidence N x H x W, temporal agreement
        N x H x W bool).
    """
    data = model.data_preprocessor(batch, False)
    clips, samples = clip_frames(data['inputs']), data['data_samples']
    probs = model.clip_probs(net, clips, model.num_frames)
    flows = model.clip_flows(clips, samples, model.num_frames)
    labels, conf, agree = fused_predictions(
        probs, flows, model.consistency, clips[:, :model.num_frames],
        model.photometric_threshold)
    return samples, probs, labels, conf, agree


@torch.no_grad()
def write_pseudo_labels(model: torch.nn.Module, net: torch.nn.Module,
                        loader: Sequence, out_dir: str,
                        class_names: Optional[Sequence[str]] = None,
                        bins: int = BINS,
                        on_sample: Optional[Callable[[], None]] = None
                        ) -> Dict:
    """Label every clip of ``loader`` with ``net`` and write the PNGs.

    Args:
        model: a SelfTrainingUDA (``num_frames``, ``keep_fraction``,
            ``max_threshold``, ``consistency`` and its flow source define the
            labels).
        net: the network that labels (teacher or student of ``model``).
        loader: batches of target clips (key frame first).
        out_dir: where the PNGs go (a ``.cache`` folder is used meanwhile).
        class_names: C names for the quality report.
        on_sample: called once per labelled frame (progress).

    Returns:
        statistics: frames, settings, per-class ``thresholds`` (None where
        infinite), predicted and kept pixels, ignored fraction and, over
        the frames with target ground truth (scored, never used),
        ``quality`` (``pseudo_label_quality``; None without any).
    """
    num_classes = model.segmentor.out_channels
    f = model.num_frames
    cache = osp.join(out_dir, '.cache')
    os.makedirs(cache, exist_ok=True)
    hist = torch.zeros(num_classes, bins, dtype=torch.long)
    frames: List[Tuple[str, str, int]] = []
    # Pass 1: fused predictions, agreement and the split's histograms.
    for batch in loader:
        samples, _, labels, conf, agree = fused_clip_predictions(
            model, net, batch)
        hist += confidence_histogram(conf, labels, num_classes, bins, agree)
        gt = target_ground_truth(samples, labels.shape[-2:])
        for i, s in enumerate(samples):
            meta = s.metainfo
            name = osp.join(cache, f'{len(frames)}.npz')
            q = (conf[i].clamp(0, 1) * (bins - 1)).round().short()
            extra = (dict(gt=gt[i].byte().cpu().numpy())
                     if gt is not None and has_ground_truth(s) else {})
            np.savez(name, labels=labels[i].byte().cpu().numpy(),
                     q=q.cpu().numpy(), agree=agree[i].cpu().numpy(),
                     **extra)
            frames.append((name, meta['video_id'], int(meta['frame_id'])))
            if on_sample is not None:
                on_sample()
    thr = thresholds_from_histogram(hist, model.keep_fraction,
                                    model.max_threshold)
    # Pass 2: thresholds, PNGs and statistics.
    kept = np.zeros(num_classes, np.int64)
    ignored = total = scored = 0
    quality = torch.zeros(4, num_classes, dtype=torch.float64)
    for name, video_id, frame_id in frames:
        z = np.load(name)
        # The online rule on the binned confidences (bin centres).
        out = threshold_pseudo_labels(
            torch.from_numpy(z['labels'].astype(np.int64)),
            torch.from_numpy(z['q']).double() / (bins - 1),
            torch.from_numpy(z['agree']), thr).numpy().astype(np.uint8)
        keep = out != 255
        path = pseudo_label_path(out_dir, video_id, frame_id)
        os.makedirs(osp.dirname(path), exist_ok=True)
        if not cv2.imwrite(path, out):
            raise OSError(f'could not write {path}')
        kept += np.bincount(out[keep].ravel(), minlength=num_classes)[
            :num_classes]
        ignored += int((~keep).sum())
        total += out.size
        if 'gt' in z.files:
            quality += pseudo_label_stats(torch.from_numpy(out),
                                          torch.from_numpy(z['gt']),
                                          num_classes)
            scored += 1
    shutil.rmtree(cache)
    return dict(
        frames=len(frames), num_frames=f, keep_fraction=model.keep_fraction,
        max_threshold=model.max_threshold, consistency=model.consistency,
        thresholds=[None if not np.isfinite(t) else float(t)
                    for t in thr.tolist()],
        predicted_pixels=hist.sum(1).numpy().tolist(),
        kept_pixels=kept.tolist(),
        ignored_fraction=ignored / max(total, 1),
        frames_with_gt=scored,
        quality=pseudo_label_quality(quality, class_names)
        if quality[3].sum() > 0 else None)
