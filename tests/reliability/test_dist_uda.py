"""Two processes train a UDA model (its own train_step, two optimizers) as one.

tools/dist_train.sh runs VAT (tests/configs/tiny_vat.py: no random
transforms, frozen BN statistics) on 2 gloo ranks with one clip pair each;
TrainStepDataParallel averages the gradients of the segmentor and the
discriminator over the ranks before each of their steps, so the weights after
3 iterations match 1 process with both clip pairs in its batch.
"""
import os
import socket
import subprocess
import sys

import torch

import uda_video  # noqa: F401  (checkpoint allow-list)

from helpers import REPO, run_tool

CONFIG = 'tests/configs/tiny_vat.py'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def options(root, batch_size):
    d = 'train_dataloader.dataset'
    return [
        f'{d}.source.data_root={root}/viper',
        f'{d}.source.ego_vehicle_mask={root}/viper/ego_vehicle_mask.png',
        f'{d}.target.data_root={root}/cityscapes',
        f'{d}.target.snippet_length=6',
        f'val_dataloader.dataset.data_root={root}/cityscapes_vps',
        f'test_dataloader.dataset.data_root={root}/cityscapes_vps',
        'train_cfg.max_iters=3', 'train_cfg.val_interval=100',
        'default_hooks.checkpoint.interval=3',
        f'train_dataloader.batch_size={batch_size}'
    ]


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_two_ranks_match_one_process(tmp_path, tiny_synthetic):
    env = dict(OMP_NUM_THREADS='1', WANDB_MODE='disabled')
    one = run_tool(['tools/train.py', CONFIG, '--work-dir',
                    str(tmp_path / 'one'), '--cfg-options',
                    *options(tiny_synthetic, 2)], env=env)
    assert one.returncode == 0, one.stderr[-3000:]
    two = subprocess.run(
        ['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
         str(tmp_path / 'two'), '--cfg-options',
         *options(tiny_synthetic, 1)],
        cwd=REPO, env=dict(os.environ, PORT=str(free_port()),
                           PYTHON=sys.executable, **env),
        capture_output=True, text=True, timeout=600)
    out = two.stdout + two.stderr
    assert two.returncode == 0, out[-3000:]
    assert 'Distributed training: True' in out
    a = weights(tmp_path / 'one' / 'iter_3.pth')
    b = weights(tmp_path / 'two' / 'iter_3.pth')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    moved = 0
    for k, v in a['state_dict'].items():
        torch.testing.assert_close(v, b['state_dict'][k], rtol=1e-4,
                                   atol=1e-5, msg=k)
        moved += 'discriminator' in k
    assert moved > 0  # the discriminator is compared too
    # Both optimizers' states (momentum / Adam moments) agree as well.
    for name in ('segmentor', 'discriminator'):
        sa = a['optimizer'][name]['state']
        sb = b['optimizer'][name]['state']
        assert sa.keys() == sb.keys() and len(sa) > 0
        for i in sa:
            for key, value in sa[i].items():
                if isinstance(value, torch.Tensor) and value.numel() > 1:
                    torch.testing.assert_close(value, sb[i][key], rtol=1e-4,
                                               atol=1e-6)
