"""mIoU against frames per second across methods, from benchmark and test JSONs.

    python tools/analysis_tools/plot_results.py A.json [B.json ...] --out miou_fps.png
        [--metric mIoU] [--fps-key fps] [--log-x]

Each JSON is a tools/test.py ``test_results.json`` (metrics under
``metrics``) or a benchmark result (``fps``, or ``latency_ms``); a record's
method is its ``method``, else the stem of its ``config``, else the file name.
Values of one method may come from several files (mIoU from the test run, fps
from the benchmark). A metric key may carry an evaluator prefix
(``video/mIoU``).
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from uda_video.visualization.result_records import load_records  # noqa: E402


def plot(records: Dict[str, dict], out: str, metric: str, log_x: bool):
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
    for method, rec in sorted(records.items()):
        ax.scatter(rec['fps'], rec['miou'], s=36)
        ax.annotate(method, (rec['fps'], rec['miou']),
                    textcoords='offset points', xytext=(4, 4), fontsize=8)
    if log_x:
        ax.set_xscale('log')
    ax.set_xlabel('frames per second')
    ax.set_ylabel(metric)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('files', nargs='+')
    parser.add_argument('--out', required=True)
    parser.add_argument('--metric', default='mIoU')
    parser.add_argument('--fps-key', default='fps')
    parser.add_argument('--log-x', action='store_true')
    args = parser.parse_args(argv)
    missing = [p for p in args.files if not osp.isfile(p)]
    if missing:
        sys.exit(f'files not found: {missing}')
    records = load_records(args.files, args.metric, args.fps_key)
    plot(records, args.out, args.metric, args.log_x)
    print(f'{len(records)} methods plotted to {args.out}')


if __name__ == '__main__':
    main()
