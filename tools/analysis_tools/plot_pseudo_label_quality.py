"""Pseudo-label precision, coverage and mIoU over training iterations.

    python tools/analysis_tools/plot_pseudo_label_quality.py WORK_DIR [WORK_DIR ...]
        --out pl_quality.png [--keys pl.precision pl.coverage pl.mIoU]

Each argument is a training work dir (its ``*/vis_data/scalars.json``, runs
of a resumed training merged) or a scalars.json file; each becomes one line
per panel, labelled by its folder name. Self-training logs ``pl.*`` on the
batches whose target frames carry ground truth (docs/uda.md, "Pseudo-label
quality").
"""
import argparse
import os.path as osp

from uda_video.visualization.scalar_curves import (PSEUDO_LABEL_KEYS,
                                                   plot_curves, read_series)


def run_label(path: str) -> str:
    path = osp.abspath(path)
    if osp.isfile(path):  # WORK_DIR/TIMESTAMP/vis_data/scalars.json
        parts = path.split(osp.sep)
        return parts[-4] if len(parts) >= 4 else osp.basename(path)
    return osp.basename(path.rstrip(osp.sep))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('paths', nargs='+', help='work dirs or scalars.json')
    parser.add_argument('--out', required=True, help='image file')
    parser.add_argument('--keys', nargs='+', default=list(PSEUDO_LABEL_KEYS))
    args = parser.parse_args(argv)
    runs = {}
    for path in args.paths:
        series = read_series(path, args.keys)
        if not series:
            raise SystemExit(f'{path}: none of {args.keys} logged (pl.* needs '
                             'online self-training and target frames with '
                             'ground truth)')
        label = run_label(path)
        while label in runs:
            label += "'"
        runs[label] = series
    plot_curves(runs, args.keys, args.out)
    points = sum(len(s[0]) for r in runs.values() for s in r.values())
    print(f'{len(runs)} run(s), {points} points plotted to {args.out}')


if __name__ == '__main__':
    main()
