"""Generate the synthetic Sim2Real video benchmark (see datasets/README.md).

    python tools/dataset_converters/make_synthetic_dataset.py --out data/synthetic \
        [--videos 24] [--frames 30] [--height 128] [--width 256] [--seed 0]
"""
import argparse
import time

from uda_video.datasets.synthetic.writer import write_benchmark


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write a synthetic source (VIPER layout) and target '
        '(Cityscapes-sequence and Cityscapes-VPS layouts) video benchmark')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--videos', type=int, default=24,
                        help='videos per domain (a quarter is val)')
    parser.add_argument('--frames', type=int, default=30, help='frames per video')
    parser.add_argument('--height', type=int, default=128)
    parser.add_argument('--width', type=int, default=256)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.time()
    counts = write_benchmark(args.out, videos=args.videos, frames=args.frames,
                             height=args.height, width=args.width,
                             seed=args.seed)
    print(f'wrote {counts["source_frames"]} source and '
          f'{counts["target_frames"]} target frames to {args.out} in '
          f'{time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
