"""Flow tests run tiny networks: one intra-op thread avoids oversubscription
on shared CI machines (the ops are tiny; thread start-up would dominate)."""
import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
