import pytest
import torch
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def _scope_and_seed():
    init_default_scope('uda_video')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add contention
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
