"""Read back what a finished training logged (mmengine's scalars.json)."""
import glob
import json
import os.path as osp
from typing import Dict


def logged_means(work_dir: str, prefix: str = 'pl.', last: float = 0.5,
                 scale: float = 100.0) -> Dict[str, float]:
    """Mean of every scalar named ``prefix*`` over the last ``last`` fraction
    of the logged iterations of the newest run in ``work_dir``, times
    ``scale`` (fractions -> %).

    The newest run is the latest ``{timestamp}/vis_data/scalars.json``;
    a missing one is an error naming ``work_dir``. Returns {} when the run
    logged no such scalar (a method without pseudo labels).
    """
    if not 0.0 < last <= 1.0:
        raise ValueError(f'last must be in (0, 1], got {last}')
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not runs:
        raise FileNotFoundError(f'no */vis_data/scalars.json in {work_dir}')
    with open(runs[-1]) as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    train = [r for r in records if 'iter' in r]
    if not train:
        return {}
    first = max(r['iter'] for r in train) * (1.0 - last)
    values: Dict[str, list] = {}
    for record in train:
        if record['iter'] <= first and len(train) > 1:
            continue
        for key, value in record.items():
            if key.startswith(prefix):
                values.setdefault(key, []).append(float(value))
    return {k: scale * sum(v) / len(v) for k, v in values.items()}
