import os.path as osp
import subprocess
import sys

import pytest

# `custom_imports` names `projects.flip_consistency.flip_consistency`: the
# repository root must be importable (as with PYTHONPATH=. on the command line).
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory):
    """A tiny synthetic benchmark (4 videos x 6 frames, 64x128), made once."""
    root = tmp_path_factory.mktemp('tiny_synthetic')
    proc = subprocess.run(
        [sys.executable, 'tools/dataset_converters/make_synthetic_dataset.py', '--out',
         str(root), '--videos', '4', '--frames', '6', '--height', '64',
         '--width', '128'], cwd=REPO, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return root
