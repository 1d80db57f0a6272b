"""Tune the adaptive clock's threshold of a Clockwork segmentor on unlabelled video.

    python tools/tune_clock.py CONFIG --target-rate 0.5 [--checkpoint C]
        [--frames 300] [--split test|val] [--steps 12] [--out FILE.json]
        [--cfg-options KEY=VALUE ...]

Frames come from the config's test (or val) dataloader, in the video order of
its sampler; labels are never read. The first ``--frames`` frames are kept in
memory and the whole sequence is replayed at each candidate threshold (the
clock's decisions depend on every earlier frame of a video). A bisection finds
the threshold whose fraction of full updates is nearest the target.

Prints the threshold and writes, with --out, a JSON with the threshold, the
achieved update fraction, the target and every (threshold, fraction) measured
(the update-rate curve). Use the result with
``--cfg-options model.threshold=T`` in tools/test.py / tools/benchmark.py.
"""
import argparse
import json
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint
from mmengine.utils import ProgressBar

from uda_video.models.segmentors import ClockworkSegmentor, tune_threshold
from uda_video.registry import MODELS
from uda_video.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Tune the adaptive clock threshold for a target update '
        'rate on unlabelled video')
    parser.add_argument('config', help='Clockwork config (schedule adaptive)')
    parser.add_argument('--checkpoint', help='trained weights')
    parser.add_argument('--target-rate', type=float, required=True,
                        help='wanted fraction of full updates, in (0, 1]')
    parser.add_argument('--frames', type=int, default=300,
                        help='frames of video to tune on')
    parser.add_argument('--split', choices=['test', 'val'], default='test',
                        help='dataloader of the config to read frames from')
    parser.add_argument('--steps', type=int, default=12,
                        help='bisection steps')
    parser.add_argument('--out', help='JSON file for the result and curve')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config')
    return parser.parse_args(argv)


def build_model(cfg: Config, checkpoint) -> ClockworkSegmentor:
    model = MODELS.build(cfg.model)
    if not isinstance(model, ClockworkSegmentor):
        raise TypeError(f'{cfg.filename}: model.type must be a '
                        f'ClockworkSegmentor, got {type(model).__name__}')
    if model.schedule != 'adaptive':
        raise ValueError(f"{cfg.filename}: model.schedule must be 'adaptive' "
                         f'to tune a threshold, got {model.schedule!r}')
    if checkpoint:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
        load_checkpoint(model, checkpoint, map_location='cpu')
    else:
        model.init_weights()
    model = revert_sync_batchnorm(model)
    if torch.cuda.is_available():
        model = model.cuda()
    return model.eval()


def collect_frames(cfg: Config, split: str, num_frames: int, progress: bool):
    """The first ``num_frames`` single-frame batches of the dataloader."""
    loader_cfg = cfg.get(f'{split}_dataloader')
    if not loader_cfg:
        raise KeyError(f'{cfg.filename} has no {split}_dataloader')
    if loader_cfg.get('batch_size', 1) != 1:
        raise ValueError(f'{split}_dataloader.batch_size must be 1 for a '
                         f"stateful segmentor, got {loader_cfg['batch_size']}")
    loader = Runner.build_dataloader(loader_cfg)
    batches = []
    bar = ProgressBar(num_frames) if progress else None
    for batch in loader:
        batches.append(batch)
        if bar is not None:
            bar.update()
        if len(batches) >= num_frames:
            break
    if not batches:
        raise ValueError(f'{split}_dataloader of {cfg.filename} yielded no '
                         'frames')
    return batches


def main(argv=None):
    args = parse_args(argv)
    if args.frames < 1:
        raise ValueError(f'--frames must be >= 1, got {args.frames}')
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'uda_video'))
    progress = sys.stdout.isatty()
    model = build_model(cfg, args.checkpoint)
    batches = collect_frames(cfg, args.split, args.frames, progress)

    bar = ProgressBar(args.steps + 4) if progress else None

    @torch.no_grad()
    def update_fraction(threshold: float) -> float:
        model.threshold = threshold
        model.reset_clock_stats()
        model.reset_video_state()
        for batch in batches:
            model.test_step(batch)
        if bar is not None:
            bar.update()
        return model.update_fraction

    curve = {}

    def recorded(threshold: float) -> float:
        curve[threshold] = update_fraction(threshold)
        return curve[threshold]

    threshold, achieved = tune_threshold(
        recorded, target=args.target_rate, steps=args.steps)
    if progress:
        print()
    print(f'threshold {threshold:.6g}: update fraction {achieved:.4f} '
          f'(target {args.target_rate}) over {len(batches)} frames')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(
                config=args.config, checkpoint=args.checkpoint,
                change_signal=model.change_signal, target=args.target_rate,
                threshold=threshold, update_fraction=achieved,
                frames=len(batches),
                curve=[dict(threshold=t, update_fraction=v)
                       for t, v in sorted(curve.items())]), f, indent=2)
    return threshold, achieved


if __name__ == '__main__':
    main()
