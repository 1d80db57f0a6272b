"""Fixtures of the reliability tests: the tiny synthetic benchmark (generated
once per session) and the pool of kill-and-resume soaks."""
import pytest

from helpers import run_tool
from soak_helpers import SoakCase, SoakPool


@pytest.fixture(scope='session')
def tiny_benchmark(tmp_path_factory):
    """tools/make_synthetic_dataset.py with 4 videos of 6 frames, 64 x 128
    (fresh clones have no data/)."""
    root = tmp_path_factory.mktemp('synthetic')
    proc = run_tool(['tools/make_synthetic_dataset.py', '--out', str(root),
                     '--videos', '4', '--frames', '6', '--height', '64',
                     '--width', '128'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return root


@pytest.fixture(scope='session')
def soak_pool(request, tiny_benchmark, tmp_path_factory):
    """Starts the soak of every collected test parametrized over a
    ``SoakCase`` (argument ``case``) at once; tests wait for their own."""
    pool = SoakPool(tiny_benchmark, tmp_path_factory.mktemp('soaks'))
    pool.start(item.callspec.params['case'] for item in request.session.items
               if isinstance(getattr(item, 'callspec', None) and
                             item.callspec.params.get('case'), SoakCase))
    yield pool
    pool.close()
