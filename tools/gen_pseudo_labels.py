"""One offline round of (temporal) pseudo labels from a checkpoint.

    python tools/gen_pseudo_labels.py CONFIG CHECKPOINT --out DIR
        [--weights auto|teacher|student] [--cfg-options KEY=VALUE ...]

CONFIG is a SelfTrainingUDA config; its model settings (num_frames,
keep_fraction, max_threshold, consistency, flow source) define the labels and
its ``pseudo_label_dataloader`` the target clips to label (every frame with
its neighbours, no random augmentation); it must cover every frame the
training target set (``train_dataloader.dataset.target``) uses, else the tool
stops naming a missing frame. Class-balanced thresholds are taken over the
whole split. Writes ``DIR/{video_id}/{frame_id:06d}.png`` (class ids, 255 =
ignore, at the loader's resolution) and ``DIR/statistics.json`` (thresholds,
per-class kept pixels and, over the frames that carry target ground truth,
``quality``: per-class precision, coverage and IoU, also printed); train on
them with ``model.pseudo_labels='files'`` and ``LoadPseudoLabel`` with
``pseudo_label_dir=DIR`` in the target pipeline (docs/uda.md, "Pseudo labels").
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

from uda_video.apis.pseudo_label_quality import (format_quality, json_safe,
                                                 load_pseudo_label_config,
                                                 load_self_training_model)
from uda_video.evaluation.functional import (pseudo_label_quality,
                                             pseudo_label_stats)
from uda_video.models.segmentors.base_video import clip_frames
from uda_video.models.uda import (confidence_histogram, fused_predictions,
                                  threshold_pseudo_labels,
                                  thresholds_from_histogram)
from uda_video.models.uda.pseudo_label_quality import (has_ground_truth,
                                                       target_ground_truth)
from uda_video.models.uda.self_training import pseudo_label_path
from uda_video.registry import DATASETS
from uda_video.utils import register_all_modules

BINS = 1000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Write pseudo labels')
    parser.add_argument('config', help='SelfTrainingUDA config')
    parser.add_argument('checkpoint', help='checkpoint to label with')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--weights', choices=['auto', 'teacher', 'student'], default='auto',
        help="'auto': the EMA teacher when the checkpoint has one")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def progress(total):
    """A progress bar on a terminal, nothing otherwise."""
    return ProgressBar(total) if sys.stdout.isatty() else None


def frame_keys(dataset) -> dict:
    """(video_id, frame_id) -> img_path of every sample of a video dataset."""
    keys = {}
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        keys[(str(info['video_id']), int(info['frame_id']))] = info['img_path']
    return keys


def check_coverage(cfg: Config, loader_dataset, out: str) -> None:
    """Refuse a pseudo_label_dataloader that misses a frame of the training
    target set (the frames ``LoadPseudoLabel`` will ask for)."""
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
            f'{pseudo_label_path(out, video_id, frame_id)} for '
            f'{needed[missing[0]]} (label every frame the target set uses: '
            'all_frames=True, the same data_root and split)')


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = load_pseudo_label_config(args.config, args.cfg_options)
    cfg.model.pseudo_labels = 'online'
    # Before anything is computed: the clips to label must cover the
    # training target set.
    check_coverage(cfg, DATASETS.build(cfg.pseudo_label_dataloader.dataset),
                   args.out)
    model, net, use_teacher = load_self_training_model(
        cfg, args.checkpoint, args.weights)
    loader = Runner.build_dataloader(cfg.pseudo_label_dataloader)
    num_classes = model.segmentor.out_channels
    f = model.num_frames

    cache = osp.join(args.out, '.cache')
    os.makedirs(cache, exist_ok=True)
    hist = torch.zeros(num_classes, BINS, dtype=torch.long)
    frames = []
    bar = progress(len(loader.dataset))
    # Pass 1: fused predictions, agreement and the split's histograms.
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        clips, samples = clip_frames(data['inputs']), data['data_samples']
        probs = model.clip_probs(net, clips, f)
        flows = model.clip_flows(clips, samples, f)
        labels, conf, agree = fused_predictions(probs, flows,
                                                model.consistency)
        hist += confidence_histogram(conf, labels, num_classes, BINS, agree)
        # Target ground truth of labelled key frames: scored, never used.
        gt = target_ground_truth(samples, labels.shape[-2:])
        for i, s in enumerate(samples):
            meta = s.metainfo
            name = osp.join(cache, f'{len(frames)}.npz')
            q = (conf[i].clamp(0, 1) * (BINS - 1)).round().short()
            extra = (dict(gt=gt[i].byte().numpy())
                     if gt is not None and has_ground_truth(s) else {})
            np.savez(name, labels=labels[i].byte().numpy(), q=q.numpy(),
                     agree=agree[i].numpy(), **extra)
            frames.append((name, meta['video_id'], int(meta['frame_id'])))
            if bar:
                bar.update()
    thr = thresholds_from_histogram(hist, model.keep_fraction,
                                    model.max_threshold)
    # Pass 2: thresholds, PNGs and statistics.
    kept = np.zeros(num_classes, np.int64)
    predicted = hist.sum(1).numpy()
    ignored = total = scored = 0
    quality = torch.zeros(4, num_classes, dtype=torch.float64)
    for name, video_id, frame_id in frames:
        z = np.load(name)
        # The online rule on the binned confidences (bin centres).
        out = threshold_pseudo_labels(
            torch.from_numpy(z['labels'].astype(np.int64)),
            torch.from_numpy(z['q']).double() / (BINS - 1),
            torch.from_numpy(z['agree']), thr).numpy().astype(np.uint8)
        keep = out != 255
        path = pseudo_label_path(args.out, video_id, frame_id)
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
    stats = dict(
        config=args.config, checkpoint=args.checkpoint,
        weights='teacher' if use_teacher else 'student', frames=len(frames),
        num_frames=f, keep_fraction=model.keep_fraction,
        max_threshold=model.max_threshold, consistency=model.consistency,
        thresholds=[None if not np.isfinite(t) else float(t)
                    for t in thr.tolist()],
        predicted_pixels=predicted.tolist(), kept_pixels=kept.tolist(),
        ignored_fraction=ignored / max(total, 1),
        frames_with_gt=scored,
        quality=pseudo_label_quality(
            quality, loader.dataset.metainfo.get('classes'))
        if quality[3].sum() > 0 else None)
    with open(osp.join(args.out, 'statistics.json'), 'w') as fh:
        json.dump(json_safe(stats), fh, indent=2)
    print(f'\nwrote {len(frames)} pseudo labels to {args.out} '
          f'({100 * (1 - stats["ignored_fraction"]):.1f}% labelled)')
    if stats['quality'] is not None:
        print(format_quality(
            stats['quality'], f'quality against the ground truth of {scored} '
            'labelled frames (%):'))


if __name__ == '__main__':
    main()
