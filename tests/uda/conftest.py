"""Fixtures of the UDA tests (pieces in uda_helpers.py)."""
import pytest
from torch.utils.data import DataLoader

from uda_helpers import TinyUDADataset, collate


@pytest.fixture
def uda_loader():
    return DataLoader(TinyUDADataset(), batch_size=2, shuffle=False,
                      collate_fn=collate, num_workers=0)


@pytest.fixture(scope='session', autouse=True)
def _register():
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=True)
