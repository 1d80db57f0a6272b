"""Fixtures of the reliability tests: the tiny synthetic benchmark (generated
once per session) and the pool of kill-and-resume soaks."""
import pytest

from soak_helpers import SoakCase, SoakPool


@pytest.fixture(scope='session')
def tiny_benchmark(tiny_synthetic):
    """The session's tiny synthetic benchmark (tests/conftest.py)."""
    return tiny_synthetic


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
