"""Accuracy against update rate of the adaptive clock (Clockwork), in one run.

    python benchmarks/bench_clock_curve.py CONFIG --checkpoint C \
        [--thresholds 0 0.05 0.1 0.2 0.4 inf] [--out curve.json] [--plot curve.png]
        [--cfg-options KEY=VALUE ...]

Runs the config's test set (every frame of its videos in order, as the video
test loop does) once per threshold of the adaptive clock and records the test
metrics (mIoU, and TC when the config evaluates it), the fraction of frames
that were full updates and the mean time per frame. Threshold 0 recomputes
every stage on every frame (the per-frame model): it is always measured first
and is the baseline of the ``speedup`` column (its time per frame divided by
the threshold's, same process, same frames; with ``--repeats N`` every
threshold is timed N times round robin and its fastest pass kept). The frames
are read once and kept in memory, so the timings cover the model and the clock
only.

Writes the rows to --out (JSON) and draws mIoU against update fraction, each
point labelled with its threshold and speed-up, to --plot.
"""
import argparse
import json
import math
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.evaluator import Evaluator

from uda_video.apis.benchmark import load_tool_config
from uda_video.apis.clock import (build_clockwork_model, collect_frames,
                                  replay_at_threshold)

SUMMARY = ('mIoU', 'TC')  # printed; every metric goes to --out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='Clockwork config with schedule adaptive')
    p.add_argument('--checkpoint', help='trained weights')
    p.add_argument('--thresholds', type=float, nargs='+',
                   default=[0.1, 0.2, 0.3, 0.4, 0.6, 1.0, math.inf],
                   help='adaptive clock thresholds (0 is always added)')
    p.add_argument('--repeats', type=int, default=1,
                   help='passes over the thresholds, round robin; each '
                   "threshold's time is its fastest pass (robust to load)")
    p.add_argument('--out', help='JSON file for the rows')
    p.add_argument('--plot', help='PNG of mIoU against update fraction')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings of the config')
    return p.parse_args(argv)


def measure(model, batches, evaluator, threshold: float) -> dict:
    """Test metrics, update fraction and seconds per frame at a threshold."""
    fraction, seconds = replay_at_threshold(
        model, batches, threshold,
        on_output=lambda batch, outputs: evaluator.process(
            data_samples=outputs, data_batch=batch))
    metrics = evaluator.evaluate(len(batches))
    return dict(threshold=threshold, update_fraction=fraction,
                ms_per_frame=1000.0 * seconds / len(batches),
                metrics={k: float(v) for k, v in metrics.items()
                         if isinstance(v, (int, float))})


def plot(rows, path: str, metric: str = 'mIoU') -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.6))
    xs = [r['update_fraction'] for r in rows]
    ys = [r['metrics'].get(metric, float('nan')) for r in rows]
    ax.plot(xs, ys, 'o-')
    labelled = []  # one label per neighbourhood, or they overlap
    for r, x, y in zip(rows, xs, ys):
        if any(abs(x - lx) < 0.06 and abs(y - ly) < 0.6 for lx, ly in labelled):
            continue
        labelled.append((x, y))
        ax.annotate(f"T={r['threshold']:g}, {r['speedup']:.2f}x", (x, y),
                    textcoords='offset points', xytext=(4, -10), fontsize=7)
    ax.set_xlabel('fraction of frames with a full update')
    ax.set_ylabel(metric)
    ax.set_title('adaptive clock: accuracy against update rate')
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_tool_config(args.config, args.cfg_options)
    model = build_clockwork_model(cfg, args.checkpoint)
    batches = collect_frames(cfg, 'test', 10**9, progress=False)
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = _dataset_meta(cfg)
    thresholds = [0.0] + [t for t in args.thresholds if t != 0.0]
    rows = [measure(model, batches, evaluator, t) for t in thresholds]
    for _ in range(args.repeats - 1):
        for r in rows:
            again = measure(model, batches, evaluator, r['threshold'])
            r['ms_per_frame'] = min(r['ms_per_frame'], again['ms_per_frame'])
    for t, r in zip(thresholds, rows):
        r['speedup'] = rows[0]['ms_per_frame'] / r['ms_per_frame']
        print(f"threshold {t:g}: update fraction {r['update_fraction']:.3f}, "
              f"{r['ms_per_frame']:.1f} ms/frame ({r['speedup']:.2f}x), "
              + ', '.join(f'{k} {r["metrics"][k]:.2f}' for k in SUMMARY
                          if k in r['metrics']), flush=True)
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  frames=len(batches), repeats=args.repeats,
                  device=str(next(model.parameters()).device),
                  torch_threads=torch.get_num_threads(), rows=rows)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    if args.plot:
        os.makedirs(osp.dirname(osp.abspath(args.plot)), exist_ok=True)
        plot(rows, args.plot)
    return result


def _dataset_meta(cfg: Config) -> dict:
    from mmengine.runner import Runner
    return Runner.build_dataloader(cfg.test_dataloader).dataset.metainfo


if __name__ == '__main__':
    main()
