"""Tune the adaptive clock's threshold of a Clockwork segmentor on unlabelled video.

    python tools/analysis_tools/tune_clock.py CONFIG --target-rate 0.5 [--checkpoint C]
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
``--cfg-options model.threshold=T`` in tools/test.py / tools/analysis_tools/benchmark.py.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from uda_video.apis.benchmark import load_tool_config
from uda_video.apis.clock import (build_clockwork_model, collect_frames,
                                  tune_clock)


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


def main(argv=None):
    args = parse_args(argv)
    if args.frames < 1:
        raise ValueError(f'--frames must be >= 1, got {args.frames}')
    cfg = load_tool_config(args.config, args.cfg_options)
    progress = sys.stdout.isatty()
    model = build_clockwork_model(cfg, args.checkpoint)
    batches = collect_frames(cfg, args.split, args.frames, progress)
    bar = ProgressBar(args.steps + 4) if progress else None
    threshold, achieved, curve = tune_clock(
        model, batches, target=args.target_rate, steps=args.steps,
        on_step=bar.update if bar is not None else None)
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
