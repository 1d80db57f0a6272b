"""Convert VIPER's ground-truth flow (npz) to the project's PNG flow.

    python tools/dataset_converters/convert_viper_flow.py SRC_DIR OUT_DIR [--direction fw|bw]
        [--shard I/N]

VIPER ships the train/val flow as one numpy ``.npz`` per frame, "16bit float"
(VIPER toolkit README), under ``{split}/flow/{seq}/{seq}_{frame:05d}.npz``.
Every ``{seq}_{frame:05d}.npz`` under SRC_DIR (searched recursively) becomes::

    OUT_DIR/{seq}/{seq}_{frame:05d}_flow_{fw|bw}.png

which is where VIPERDataset looks when OUT_DIR is ``{data_root}/{split}/flow``
(uda_video/datasets/viper.py), in the project's format
(uda_video.datasets.flow_io: 16-bit KITTI PNG, written to a temporary file
and renamed).

Not confirmed, so the tool takes both ways: the arrays inside the npz are
read as keys ``u`` and ``v`` (H x W each) or as one H x W x 2 array (u, v);
values are taken as pixels. Which way the flow points (t -> t+1 or t -> t-1)
is not confirmed either: ``--direction`` (default fw) names the output.
Invalid pixels: non-finite values and values the PNG cannot hold (beyond
-512 .. +511.98 px); the summary line counts both. Existing outputs are
skipped, so an interrupted run resumes; ``--shard I/N`` (0 <= I < N)
converts every N-th file starting at I.
"""
import argparse
import sys

from uda_video.apis.compute_flow import parse_shard
from uda_video.apis.convert_viper_flow import run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert VIPER npz flow to the project\'s 16-bit PNG flow')
    parser.add_argument('src_dir', help='VIPER flow folder, e.g. '
                        'viper/train/flow (npz files, searched recursively)')
    parser.add_argument('out_dir', help='output folder, e.g. '
                        'data/viper/train/flow')
    parser.add_argument('--direction', choices=['fw', 'bw'], default='fw',
                        help='fw: the npz holds flow t -> t+1 (written as '
                        '*_flow_fw.png); bw: t -> t-1 (*_flow_bw.png)')
    parser.add_argument('--shard', type=parse_shard, default=(0, 1),
                        help='I/N: convert every N-th file starting at I')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    written, skipped, non_finite, beyond = run(
        args.src_dir, args.out_dir, args.direction, args.shard,
        progress=sys.stdout.isatty())
    print(f'shard {args.shard[0]}/{args.shard[1]}: wrote {written} flow '
          f'files, skipped {skipped} existing, under {args.out_dir}; marked '
          f'invalid: {non_finite} non-finite pixels, {beyond} pixels beyond '
          'the +-512 px PNG range')


if __name__ == '__main__':
    main()
