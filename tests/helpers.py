"""Helpers shared by the tests."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(autouse=True)
def single_thread():
    """One intra-op thread for every test of a folder whose conftest imports
    this fixture: for tiny ops and networks thread start-up would dominate
    (and oversubscribe shared CI machines)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def point_at(node, root):
    """Point a config (``cfg._cfg_dict``, in place) of the synthetic benchmark
    at the tiny one under ``root`` (6-frame videos)."""
    items = node.items() if hasattr(node, 'items') else enumerate(node)
    for key, value in list(items):
        if isinstance(value, str) and value.startswith('data/synthetic'):
            node[key] = str(root) + value[len('data/synthetic'):]
        elif key == 'snippet_length' and value is not None:
            node[key] = 6
        elif isinstance(value, (dict, list)):
            point_at(value, root)


def run_tool(args, cwd=REPO, timeout=600, env=None):
    """Run a repo tool with this interpreter; return the CompletedProcess."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1')
    full_env.update(env or {})
    return subprocess.run([sys.executable] + list(args), cwd=cwd,
                          env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def load_tool(path):
    """The module of the tool ``path`` (relative to the repository root), to
    call its ``main(argv)`` in this process."""
    import importlib.util
    name = osp.splitext(osp.basename(path))[0] + '_tool'
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
