"""Method records (accuracy and speed) merged from test and benchmark JSONs.

A file is a ``tools/test.py`` ``test_results.json`` (metrics under
``metrics``) or a ``tools/analysis_tools/benchmark.py`` result (``fps``, or
``latency_ms``); a record's method is its ``method``, else the stem of its
``config``, else the file name. A metric key may carry an evaluator prefix
(``video/mIoU``).
"""
import json
import os.path as osp
from typing import Dict, Optional


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
