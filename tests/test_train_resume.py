"""tools/train.py trains a tiny config, writes a checkpoint, and --resume continues."""
import os.path as osp
import pickle

import pytest
import torch

import uda_video  # noqa: F401  (installs the checkpoint allow-list)

from helpers import run_tool

CFG = 'tests/configs/tiny_encdec.py'


def train(work_dir, data_root, *options, flags=()):
    proc = run_tool(['tools/train.py', CFG, '--work-dir', str(work_dir),
                     *flags, '--cfg-options',
                     f'train_dataloader.dataset.data_root={data_root}',
                     f'val_dataloader.dataset.data_root={data_root}',
                     f'test_dataloader.dataset.data_root={data_root}', *options])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_folder_dataset):
    work = tmp_path_factory.mktemp('train')
    log = train(work, tiny_folder_dataset)
    return work, log


def test_train_writes_checkpoint(trained):
    work, log = trained
    ckpt = osp.join(work, 'iter_2.pth')
    assert osp.isfile(ckpt), log[-2000:]
    assert open(osp.join(work, 'last_checkpoint')).read().strip().endswith(
        'iter_2.pth')
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert state['meta']['iter'] == 2
    assert 'decode_head.aspp.0.weight' in state['state_dict']
    assert state['optimizer']['state'], 'SGD momentum buffers are saved'


def test_checkpoint_needs_only_allowlisted_globals(trained):
    from uda_video.utils import checkpoint_safe_globals
    work, _ = trained
    needed = torch.serialization.get_unsafe_globals_in_checkpoint(
        osp.join(work, 'iter_2.pth'))
    allowed = {f'{g.__module__}.{g.__qualname__}' for g in checkpoint_safe_globals()}
    assert set(needed) <= allowed, set(needed) - allowed


class NotAllowed:
    pass


def test_weights_only_check_stays_on(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'meta': NotAllowed()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    # mmengine's loader goes through the same check.
    from mmengine.runner import load_checkpoint  # noqa: F401
    from mmengine.runner.checkpoint import CheckpointLoader
    with pytest.raises(pickle.UnpicklingError):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def test_resume_continues(trained, tiny_folder_dataset):
    work, _ = trained
    before = torch.load(osp.join(work, 'iter_2.pth'), weights_only=True)
    log = train(work, tiny_folder_dataset, 'train_cfg.max_iters=4',
                flags=['--resume'])
    assert 'resumed epoch: 0, iter: 2' in log, log[-3000:]
    after = torch.load(osp.join(work, 'iter_4.pth'), weights_only=True)
    assert after['meta']['iter'] == 4
    # The resumed run continued the poly schedule: lr is below iteration 2's.
    lr2 = before['optimizer']['param_groups'][0]['lr']
    lr4 = after['optimizer']['param_groups'][0]['lr']
    assert lr4 < lr2
    w2 = before['state_dict']['decode_head.aspp.0.weight']
    w4 = after['state_dict']['decode_head.aspp.0.weight']
    assert not torch.equal(w2, w4)
