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


# docs/configs.md: <method>_<network>_<data>.py, the method first; flow
# networks <network>_<data>.py.
DATA_NAMES = ('synthetic', 'cityscapes-seq', 'viper2cityscapes',
              'viper2cityscapes-vps')
NETWORK_FAMILIES = ('deeplabv2', 'deeplabv3plus', 'pspnet', 'fcn')


def test_config_names_follow_the_scheme():
    projects = glob.glob(osp.join(REPO, 'projects', '*', 'configs', '*.py'))
    wrong = []
    for path in CONFIGS + sorted(projects):
        rel = osp.relpath(path, REPO)
        parts = osp.basename(path)[:-3].split('_')
        flow = rel.split(osp.sep)[1] == 'flow'
        if (parts[-1] not in DATA_NAMES or len(parts) < (2 if flow else 3)
                or (not flow and parts[0].split('-')[0] in NETWORK_FAMILIES)):
            wrong.append(rel)
    assert not wrong, ('not named <method>_<network>_<data>.py with <data> '
                       f'one of {DATA_NAMES} (docs/configs.md): {wrong}')


def _crops(pipeline):
    """Every crop step of a (clip) pipeline, inside broadcasters too."""
    for step in pipeline:
        if 'Crop' in str(step.get('type', '')):
            yield step
        yield from _crops(step.get('transforms', []))


UDA_CONFIGS = [p for p in CONFIGS if '/uda/' in p]


@pytest.mark.parametrize('path', UDA_CONFIGS,
                         ids=lambda p: osp.relpath(p, REPO))
def test_target_crops_never_look_at_target_labels(path):
    """The target's labelled key frames must not steer adaptation: a crop that
    rejects windows by class ratio (cat_max_ratio < 1) reads the labels."""
    cfg = Config.fromfile(path)
    dataset = cfg.train_dataloader.dataset
    if dataset.get('type') != 'UDADataset':
        pytest.skip('trains on one domain')
    for step in _crops(dataset.target.pipeline):
        assert step.get('cat_max_ratio', 1.0) >= 1.0, (path, step)
