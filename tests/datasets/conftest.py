"""Tiny synthetic benchmark generated once per session for the dataset tests."""
import shutil

import pytest
from mmengine.registry import DefaultScope

from dataset_helpers import TINY


@pytest.fixture(autouse=True)
def uda_video_scope():
    """Build registered types in the uda_video scope."""
    import uda_video.datasets  # noqa: F401
    import uda_video.models.data_preprocessor  # noqa: F401
    with DefaultScope.overwrite_default_scope('uda_video'):
        yield


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory):
    """Root of a 2 videos x 12 frames x 32 x 64 benchmark (read-only!)."""
    from uda_video.datasets.synthetic import write_benchmark
    root = str(tmp_path_factory.mktemp('synthetic'))
    write_benchmark(root, progress=False, **TINY)
    return root


@pytest.fixture
def synth_copy(synth_root, tmp_path):
    """A private copy to corrupt."""
    dst = str(tmp_path / 'copy')
    shutil.copytree(synth_root, dst)
    return dst
