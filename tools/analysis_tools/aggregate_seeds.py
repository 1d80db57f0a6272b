"""Mean and spread over seeds of the results tables that tools/demo.py writes.

    python tools/analysis_tools/aggregate_seeds.py work_dirs/table_s0/results.json \
        work_dirs/table_s1/results.json work_dirs/table_s2/results.json \
        [--metrics mIoU svpq_all] [--pairs VAT:source-only ...] \
        [--gap source-only:target-oracle] [--out FILE.json]

Each file maps a method to its metrics (``{"VAT": {"mIoU": 20.98, ...}}``).
Prints a markdown table, one row per method in the order of the first file:
``mean ± std`` of each metric (sample standard deviation over the seeds,
n - 1 in the denominator) and the per-seed values. A method missing from a file
or a metric missing from a method in some files only is an error naming the
file, so a partial run is never averaged silently; a metric no file gives for
a method (pseudo-label quality of a method without pseudo labels) is ``-``.

``--pairs A:B ...`` adds, per pair, the per-seed differences A - B of the
first metric, their mean and in how many seeds A is above B (the seeds are
paired: the same seed trains both). ``--gap LOW:HIGH`` adds each method's
share of the LOW -> HIGH gap it closes on the first metric's mean
((method - LOW) / (HIGH - LOW), in %).
"""
import argparse
import json
import math
import os
import os.path as osp
from typing import Dict, List, Sequence


def mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean)**2 for v in values) / (n - 1) if n > 1 else 0.0
    return dict(mean=mean, std=math.sqrt(var))


def aggregate(tables: Dict[str, dict],
              metrics: Sequence[str]) -> Dict[str, Dict[str, dict]]:
    """{method: {metric: {mean, std, values}}} over the tables (file -> table)."""
    files = list(tables)
    methods: List[str] = list(tables[files[0]])
    for f in files:
        missing = [m for m in methods if m not in tables[f]]
        if missing:
            raise KeyError(f'{f} has no results for {missing}')
    out = {}
    for method in methods:
        out[method] = {}
        for metric in metrics:
            have = [f for f in files if metric in tables[f][method]]
            if not have:
                continue  # never measured for this method
            if len(have) < len(files):
                f = next(f for f in files if f not in have)
                raise KeyError(f'{f}: method {method!r} has no metric '
                               f'{metric!r}')
            values = [float(tables[f][method][metric]) for f in files]
            out[method][metric] = dict(values=values, **mean_std(values))
    return out


def paired(result: Dict[str, Dict[str, dict]], metric: str, a: str,
           b: str) -> dict:
    """Per-seed differences ``a - b`` of ``metric``, their mean and the
    number of seeds where ``a`` is above ``b``."""
    for name in (a, b):
        if name not in result or metric not in result[name]:
            raise KeyError(f'no {metric!r} of method {name!r} to pair')
    diffs = [x - y for x, y in zip(result[a][metric]['values'],
                                   result[b][metric]['values'])]
    return dict(a=a, b=b, diffs=diffs, mean=sum(diffs) / len(diffs),
                wins=sum(d > 0 for d in diffs))


def gap_closed(result: Dict[str, Dict[str, dict]], metric: str, low: str,
               high: str) -> Dict[str, float]:
    """{method: % of the ``low`` -> ``high`` gap closed on the mean}."""
    lo, hi = (result[n][metric]['mean'] for n in (low, high))
    if hi == lo:
        raise ValueError(f'{low} and {high} have the same mean {metric}')
    return {m: 100.0 * (row[metric]['mean'] - lo) / (hi - lo)
            for m, row in result.items() if metric in row}


def markdown(result: Dict[str, Dict[str, dict]], metrics: Sequence[str],
             num_seeds: int) -> str:
    head = ['method'] + [f'{m} (mean ± std)' for m in metrics] + [
        f'{m} per seed' for m in metrics]
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for method, row in result.items():
        cells = [method]
        cells += [f"{row[m]['mean']:.2f} ± {row[m]['std']:.2f}"
                  if m in row else '-' for m in metrics]
        cells += [' / '.join(f'{v:.2f}' for v in row[m]['values'])
                  if m in row else '-' for m in metrics]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + f'\n\n({num_seeds} seeds)'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', nargs='+', help='results.json per seed')
    parser.add_argument('--metrics', nargs='+', default=['mIoU', 'svpq_all'])
    parser.add_argument('--pairs', nargs='+', default=[], metavar='A:B',
                        help='per-seed differences A - B of the first metric')
    parser.add_argument('--gap', metavar='LOW:HIGH',
                        help='share of the LOW -> HIGH gap each method closes')
    parser.add_argument('--out', help='JSON with means, stds and values')
    args = parser.parse_args(argv)
    tables = {}
    for path in args.results:
        if not osp.isfile(path):
            raise FileNotFoundError(f'results file not found: {path}')
        with open(path) as f:
            tables[path] = json.load(f)
    result = aggregate(tables, args.metrics)
    print(markdown(result, args.metrics, len(tables)))
    metric = args.metrics[0]
    pairs = []
    for pair in args.pairs:
        a, sep, b = pair.partition(':')
        if not sep:
            raise ValueError(f'--pairs takes A:B, got {pair!r}')
        pairs.append(paired(result, metric, a, b))
    if pairs:
        print(f'\n| {metric}: A - B | per seed | mean | seeds A > B |\n'
              '|---|---|---|---|')
        for p in pairs:
            print(f"| {p['a']} - {p['b']} | "
                  + ' / '.join(f'{d:+.2f}' for d in p['diffs'])
                  + f" | {p['mean']:+.2f} | {p['wins']} of {len(p['diffs'])} |")
    closed = None
    if args.gap:
        low, sep, high = args.gap.partition(':')
        if not sep:
            raise ValueError(f'--gap takes LOW:HIGH, got {args.gap!r}')
        closed = gap_closed(result, metric, low, high)
        print(f'\n| method | {low} -> {high} gap closed ({metric}, %) |\n'
              '|---|---|')
        for m, v in closed.items():
            print(f'| {m} | {v:.1f} |')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(files=args.results, methods=result, pairs=pairs,
                           gap_closed=closed), f, indent=2)
    return result


if __name__ == '__main__':
    main()
