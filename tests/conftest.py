import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def repo_root():
    return REPO


@pytest.fixture(scope='session')
def tiny_folder_dataset(tmp_path_factory):
    """Four 64x64 images with 4-class labels in mmseg's folder layout."""
    root = tmp_path_factory.mktemp('tiny_folder')
    rng = np.random.default_rng(0)
    for sub in ('img', 'ann'):
        os.makedirs(root / sub)
    for i in range(4):
        label = np.zeros((64, 64), np.uint8)
        label[:, 16:32] = 1
        label[:, 32:48] = 2
        label[32:, :] = 3
        img = (label[..., None] * 60 + rng.integers(0, 20, (64, 64, 3))).astype(np.uint8)
        cv2.imwrite(str(root / 'img' / f'{i}.png'), img)
        cv2.imwrite(str(root / 'ann' / f'{i}.png'), label)
    return str(root)



# Training runs in the tests log to Local/Tensorboard only; the logging tests
# turn wandb on (offline) for their own runs.
os.environ.setdefault('WANDB_MODE', 'disabled')


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory):
    """A tiny synthetic benchmark (4 videos x 6 frames, 64x128), made once."""
    from helpers import run_tool
    root = tmp_path_factory.mktemp('tiny_synthetic')
    proc = run_tool(['tools/dataset_converters/make_synthetic_dataset.py', '--out', str(root),
                     '--videos', '4', '--frames', '6', '--height', '64',
                     '--width', '128'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return root
