"""Every method config loads and keeps the project's fault-tolerance settings."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from helpers import REPO

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in p.split(osp.sep) and not osp.basename(p).startswith('_'))


def test_there_are_method_configs():
    folders = {osp.relpath(p, REPO).split(osp.sep)[1] for p in CONFIGS}
    assert {'dff', 'clockwork', 'tdnet', 'tcd', 'flow', 'uda',
            'synthetic'} <= folders


@pytest.mark.parametrize('path', CONFIGS,
                         ids=lambda p: osp.relpath(p, REPO))
def test_config_keeps_fault_tolerance(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'uda_video'
    hooks = {h['type'] for h in cfg.get('custom_hooks', [])}
    assert {'FiniteLossHook', 'RandomStateHook',
            'CheckpointMatchHook'} <= hooks, hooks
