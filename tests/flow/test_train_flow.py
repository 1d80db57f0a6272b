"""configs/flow train through tools/train.py on the synthetic benchmark's gt flow."""
import os.path as osp

import pytest

from helpers import run_tool
from uda_video.datasets.synthetic.writer import write_benchmark


@pytest.fixture(scope='module')
def tiny_synthetic(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic'))
    write_benchmark(root, videos=4, frames=3, height=64, width=128, seed=0)
    return root


def test_flownetc_config_trains_and_checkpoints(tiny_synthetic, tmp_path):
    work = str(tmp_path / 'work')
    proc = run_tool([
        'tools/train.py', 'configs/flow/flownetc_synthetic.py', '--work-dir',
        work, '--cfg-options',
        f'train_dataloader.dataset.data_root={tiny_synthetic}/viper',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=2', 'model.flow_net.base_channels=4',
        'train_cfg.max_iters=2', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=2'
    ], env=dict(OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'loss_epe' in log and 'epe:' in log
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    assert 'Iter(train) [2/2]' in log
