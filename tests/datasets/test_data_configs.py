"""The dataset configs pass tools/train.py's key check and build on the tiny data."""
import os.path as osp

import pytest
from mmengine.config import Config
from helpers import REPO

from uda_video.apis.train import check_top_level_keys
from uda_video.registry import DATASETS

CONFIGS = [
    'configs/synthetic/source-only_deeplabv2_r18-half-d8_synthetic.py',
    'configs/synthetic/target-oracle_deeplabv2_r18-half-d8_synthetic.py',
    'configs/_base_/datasets/uda_synthetic.py',
]


def _retarget(cfg, root):
    """Point every synthetic path of a dataset config at ``root``."""
    if isinstance(cfg, dict):
        for k, v in cfg.items():
            if isinstance(v, str) and v.startswith('data/synthetic'):
                cfg[k] = v.replace('data/synthetic', root)
            elif k == 'snippet_length':
                cfg[k] = 12
            else:
                _retarget(v, root)
    elif isinstance(cfg, list):
        for v in cfg:
            _retarget(v, root)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_keys_and_datasets(path, synth_root):
    cfg = Config.fromfile(osp.join(REPO, path))
    check_top_level_keys(cfg)
    train = cfg.train_dataloader.dataset.to_dict()
    _retarget(train, synth_root)
    ds = DATASETS.build(train)
    item = ds[0]
    sample = item['source'] if 'source' in item else item
    assert sample['inputs'].shape[0] == 1 and sample['inputs'].shape[1] == 3
    assert ds.metainfo['classes'][0] == 'road' and len(ds.metainfo['classes']) == 15
