"""Curves over iterations from mmengine's ``vis_data/scalars.json``.

``LocalVisBackend`` writes one JSON object per log line (``step`` = training
iteration). A work dir holds one ``{timestamp}/vis_data/scalars.json`` per
run; a resumed training adds a run, so the runs are read in timestamp order
and a later run's value at a step replaces an earlier one's.
"""
import glob
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

PSEUDO_LABEL_KEYS = ('pl.precision', 'pl.coverage', 'pl.mIoU')


def scalar_files(path: str) -> List[str]:
    """``path`` itself (a scalars.json) or a work dir's scalars.json files in
    timestamp order."""
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path} is neither a scalars.json file nor a '
                                'work dir')
    files = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(
            f'no {{timestamp}}/vis_data/scalars.json under {path}')
    return files


def read_series(path: str, keys: Sequence[str]
                ) -> Dict[str, Tuple[List[int], List[float]]]:
    """``{key: (steps, values)}`` in step order for each key found.

    Args:
        path: a scalars.json or a work dir (see :func:`scalar_files`).
        keys: scalar names, e.g. ``PSEUDO_LABEL_KEYS``; a line's ``step``
            (else ``iter``) is its x value.
    """
    by_key: Dict[str, Dict[int, float]] = {k: {} for k in keys}
    for name in scalar_files(path):
        with open(name) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f'{name}:{lineno}: not a JSON line '
                                     f'({err})') from None
                step = row.get('step', row.get('iter'))
                if step is None:
                    continue
                for k in keys:
                    if row.get(k) is not None:
                        by_key[k][int(step)] = float(row[k])
    return {k: (sorted(v), [v[s] for s in sorted(v)])
            for k, v in by_key.items() if v}


def plot_curves(runs: Dict[str, Dict[str, Tuple[List[int], List[float]]]],
                keys: Sequence[str], out: str, percent: bool = True) -> None:
    """One panel per key, one line per run; written to ``out`` (png, pdf)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.4),
                             dpi=120, squeeze=False)
    scale = 100.0 if percent else 1.0
    for ax, key in zip(axes[0], keys):
        for label, series in runs.items():
            if key in series:
                steps, values = series[key]
                ax.plot(steps, [scale * v for v in values], marker='.',
                        label=label)
        ax.set_title(key)
        ax.set_xlabel('iteration')
        if percent:
            ax.set_ylabel('%')
        ax.grid(True, alpha=0.3)
    if len(runs) > 1:
        axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
