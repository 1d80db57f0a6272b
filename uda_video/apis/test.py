"""The config and the result files of a test run as ``tools/test.py`` does it."""
import json
import math
import os
import os.path as osp
import time
from collections import OrderedDict
from typing import Optional

import numpy as np
from mmengine.config import Config

from .train import load_config


def build_test_config(config: str, checkpoint: str,
                      work_dir: Optional[str] = None,
                      show_dir: Optional[str] = None,
                      cfg_options: Optional[dict] = None,
                      launcher: str = 'none') -> Config:
    """The config of ``tools/test.py CONFIG CHECKPOINT`` with its flags.

    ``show_dir`` turns on the config's ``default_hooks.visualization`` (every
    sample drawn beside its input, saved under ``show_dir``); a KeyError
    names the missing hook.
    """
    cfg = load_config(config, cfg_options, work_dir, launcher)
    cfg.load_from = checkpoint
    if show_dir:
        hooks = cfg.default_hooks
        if 'visualization' not in hooks:
            raise KeyError('--show-dir needs default_hooks.visualization '
                           '(a SegVisualizationHook) in the config')
        hooks.visualization.draw = True
        hooks.visualization.interval = 1
        cfg.visualizer.save_dir = show_dir
    return cfg


def _plain(value):
    """JSON-safe scalar (NaN -> None)."""
    if isinstance(value, (np.generic, )):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def per_class_table(metrics: dict) -> str:
    """Markdown table of metrics named ``[prefix/]Name.class``."""
    columns, rows = [], OrderedDict()
    for key, val in metrics.items():
        if '.' not in key:
            continue
        name, cls = key.rsplit('.', 1)
        if name not in columns:
            columns.append(name)
        rows.setdefault(cls, {})[name] = val
    if not rows:
        return ''
    lines = ['| class | ' + ' | '.join(columns) + ' |',
             '|---' * (len(columns) + 1) + '|']
    for cls, vals in rows.items():
        cells = ['' if vals.get(c) is None else f'{vals[c]:.2f}'
                 for c in columns]
        lines.append(f'| {cls} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def write_results(work_dir: str, metrics: dict, config: str,
                  checkpoint: str) -> None:
    """test_results.json and per_class_results.md in ``work_dir``."""
    os.makedirs(work_dir, exist_ok=True)
    clean = {k: _plain(v) for k, v in metrics.items()}
    with open(osp.join(work_dir, 'test_results.json'), 'w') as f:
        json.dump(dict(config=config, checkpoint=checkpoint,
                       method=osp.splitext(osp.basename(config))[0],
                       time=time.strftime('%Y-%m-%d %H:%M:%S'),
                       metrics=clean), f, indent=1)
    with open(osp.join(work_dir, 'per_class_results.md'), 'w') as f:
        f.write(per_class_table(clean))
