"""Generate the synthetic Sim2Real video benchmark (see datasets/README.md).

    python tools/dataset_converters/make_synthetic_dataset.py --out data/synthetic \
        [--videos 24] [--frames 30] [--height 128] [--width 256] [--seed 0] \
        [--appearance-gap 1.0] [--content-gap 1.0] [--pretrain-videos 16]
"""
import argparse
import time

from uda_video.datasets.synthetic.writer import (APPEARANCE_GAP, CONTENT_GAP,
                                                 PRETRAIN_VIDEOS,
                                                 write_benchmark)


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
    parser.add_argument(
        '--appearance-gap', type=float, default=APPEARANCE_GAP,
        help='0 = the source\'s palette, texture, lighting and sensor; '
        '1 = the full target appearance')
    parser.add_argument(
        '--content-gap', type=float, default=CONTENT_GAP,
        help='0 = the source\'s class frequencies, object sizes, layout and '
        'camera row; 1 = the full target content')
    parser.add_argument(
        '--pretrain-videos', type=int, default=PRETRAIN_VIDEOS,
        help='videos of the label-rich pretraining domain (0 = none)')
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.time()
    counts = write_benchmark(args.out, videos=args.videos, frames=args.frames,
                             height=args.height, width=args.width,
                             seed=args.seed,
                             appearance_gap=args.appearance_gap,
                             content_gap=args.content_gap,
                             pretrain_videos=args.pretrain_videos)
    print(f'wrote {counts["source_frames"]} source, '
          f'{counts["target_frames"]} target and '
          f'{counts.get("pretrain_frames", 0)} pretraining frames to '
          f'{args.out} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
