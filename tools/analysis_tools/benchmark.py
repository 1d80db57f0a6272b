"""Per-frame speed, size and compute of a segmentor on one video.

    python tools/analysis_tools/benchmark.py CONFIG [--checkpoint C] --frames N --out FILE.json
        [--warmup 10] [--shape H W] [--device cpu|cuda]
        [--input-format auto|image|clip] [--cfg-options KEY=VALUE ...]

Frames of one synthetic video (a random texture panning one pixel per frame,
uint8, at --shape or the config's ``crop_size``) go through
``model.test_step`` one at a time and in order, as the video test loop feeds
them, so image segmentors and stateful video segmentors (DFF, Clockwork,
TDNet) are measured alike. Warm-up frames run first as another video. After
each frame the segmentor's ``last_frame_was_key`` (when it has one) sorts the
frame into key / non-key statistics.

FILE.json holds: latency_ms {mean, p50, p95} over all frames and per kind
(key / non_key, with counts), fps (1000 / mean latency), params, flops per
frame (mean and per kind; multiply-adds of Conv/ConvTranspose/Linear layers
counted by forward hooks in a separate pass, 1 MAC = 1 FLOP as mmengine's
counter), peak memory (CUDA max_memory_allocated, or the process' peak RSS on
CPU) and the settings of the run.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction

from uda_video.apis.benchmark import run_benchmark


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Benchmark a segmentor frame by frame on one video')
    parser.add_argument('config')
    parser.add_argument('--checkpoint', default=None)
    parser.add_argument('--frames', type=int, required=True,
                        help='measured frames')
    parser.add_argument('--out', required=True, help='output .json file')
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        default=None, help="default: the config's crop_size")
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda when available)')
    parser.add_argument('--input-format', choices=['auto', 'image', 'clip'],
                        default='auto',
                        help='frames as 3xHxW images or 1x3xHxW clips '
                        '(auto: clips when the data preprocessor is a clip one)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.frames < 1 or args.warmup < 0:
        parser.error('--frames must be >= 1 and --warmup >= 0')
    return args


def main(argv=None):
    args = parse_args(argv)
    result = run_benchmark(
        args.config, args.frames, checkpoint=args.checkpoint,
        warmup=args.warmup, shape=args.shape, device=args.device,
        input_format=args.input_format, cfg_options=args.cfg_options,
        progress=sys.stdout.isatty())
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    lat = result['latency_ms']
    print(f'{args.config}: {result["fps"]:.2f} fps, latency mean '
          f'{lat["mean"]:.1f} ms p50 {lat["p50"]:.1f} p95 {lat["p95"]:.1f}, '
          f'{result["params"] / 1e6:.2f} M params, '
          f'{result["flops_per_frame"] / 1e9:.3f} GFLOPs/frame -> {args.out}')
    return result


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
