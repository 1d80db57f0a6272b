"""mIoU against frames per second across methods, from benchmark and test JSONs.

    python tools/plot_results.py A.json [B.json ...] --out miou_fps.png
        [--metric mIoU] [--fps-key fps] [--log-x]

Each JSON is a tools/test.py ``test_results.json`` (metrics under
``metrics``) or a benchmark result (``fps``, or ``latency_ms``); a record's
method is its ``method``, else the stem of its ``config``, else the file name.
Values of one method may come from several files (mIoU from the test run, fps
from the benchmark). A metric key may carry an evaluator prefix
(``video/mIoU``).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, Optional

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def _lookup(data: dict, key: str) -> Optional[float]:
    for scope in (data, data.get('metrics') or {}):
        if key in scope and scope[key] is not None:
            return float(scope[key])
        for k, v in scope.items():
            if isinstance(k, str) and k.endswith('/' + key) and v is not None:
                return float(v)
    return None


def load_records(paths, metric: str, fps_key: str) -> Dict[str, dict]:
    """{method: {'miou': float, 'fps': float}} merged over the files."""
    records: Dict[str, dict] = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError(f'{path}: expected a JSON object')
        method = data.get('method') or (
            osp.splitext(osp.basename(data['config']))[0]
            if data.get('config') else osp.splitext(osp.basename(path))[0])
        rec = records.setdefault(method, {})
        miou = _lookup(data, metric)
        fps = _lookup(data, fps_key)
        if fps is None:
            latency = _lookup(data, 'latency_ms')
            fps = 1000.0 / latency if latency else None
        if miou is None and fps is None:
            raise KeyError(f'{path}: neither {metric!r} nor {fps_key!r} '
                           '(or latency_ms) found')
        for key, val in (('miou', miou), ('fps', fps)):
            if val is not None:
                rec[key] = val
    incomplete = {m: r for m, r in records.items() if len(r) < 2}
    if incomplete:
        raise KeyError(f'methods without both {metric} and fps: '
                       f'{sorted(incomplete)}')
    return records


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
