"""Fixtures of the UDA tests (pieces in uda_helpers.py)."""
import pytest
import torch
from torch.utils.data import DataLoader

from uda_helpers import VST_CONFIG, TinyUDADataset, collate


@pytest.fixture(scope='session')
def checkpoint(tmp_path_factory, repo_root):
    """A phase-1 checkpoint of the synthetic VAT->VST config: the segmentor's
    random weights (seed 0), no EMA teacher. Untrained scores are nearly
    uniform (one confidence bin); the decoder's weights scaled up spread them
    over the bins as a trained model's are."""
    from mmengine.config import Config

    from uda_video.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(f'{repo_root}/{VST_CONFIG}').model)
    state = {k: v for k, v in model.state_dict().items()
             if not k.startswith('teacher.')}
    for k, v in state.items():
        if k.startswith('segmentor.decode_head') and k.endswith('weight'):
            v.mul_(30.0)
    path = tmp_path_factory.mktemp('ckpt') / 'phase1.pth'
    torch.save(dict(state_dict=state, meta=dict()), path)
    return path


@pytest.fixture
def uda_loader():
    return DataLoader(TinyUDADataset(), batch_size=2, shuffle=False,
                      collate_fn=collate, num_workers=0)


@pytest.fixture(scope='session', autouse=True)
def _register():
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=True)
