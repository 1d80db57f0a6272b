"""Mean and spread over seeds of the results tables that tools/demo.py writes.

    python tools/analysis_tools/aggregate_seeds.py work_dirs/table_s0/results.json \
        work_dirs/table_s1/results.json work_dirs/table_s2/results.json \
        [--metrics mIoU svpq_all] [--out FILE.json]

Each file maps a method to its metrics (``{"VAT": {"mIoU": 20.98, ...}}``).
Prints a markdown table, one row per method in the order of the first file:
``mean ± std`` of each metric (sample standard deviation over the seeds,
n - 1 in the denominator) and the per-seed values. A method missing from a file
or a metric missing from a method is an error naming the file, so a partial
run is never averaged silently.
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
            values = []
            for f in files:
                if metric not in tables[f][method]:
                    raise KeyError(f'{f}: method {method!r} has no metric '
                                   f'{metric!r}')
                values.append(float(tables[f][method][metric]))
            out[method][metric] = dict(values=values, **mean_std(values))
    return out


def markdown(result: Dict[str, Dict[str, dict]], metrics: Sequence[str],
             num_seeds: int) -> str:
    head = ['method'] + [f'{m} (mean ± std)' for m in metrics] + [
        f'{m} per seed' for m in metrics]
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for method, row in result.items():
        cells = [method]
        cells += [f"{row[m]['mean']:.2f} ± {row[m]['std']:.2f}"
                  for m in metrics]
        cells += [' / '.join(f'{v:.2f}' for v in row[m]['values'])
                  for m in metrics]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + f'\n\n({num_seeds} seeds)'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', nargs='+', help='results.json per seed')
    parser.add_argument('--metrics', nargs='+', default=['mIoU', 'svpq_all'])
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
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(files=args.results, methods=result), f, indent=2)
    return result


if __name__ == '__main__':
    main()
