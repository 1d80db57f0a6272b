"""Exact resume of a UDA run (VAT: two optimizers, a discriminator, paired
source/target sampling): benchmarks/soak_resume.py kills it with SIGKILL and
resumes; the final weights must equal an uninterrupted run's."""
import json

import pytest

from helpers import run_tool


@pytest.fixture(scope='module')
def tiny_benchmark(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    proc = run_tool(['tools/make_synthetic_dataset.py', '--out', str(root),
                     '--videos', '4', '--frames', '6', '--height', '64',
                     '--width', '128'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return root


def test_vat_sigkill_resume_is_exact(tmp_path, tiny_benchmark):
    root = tiny_benchmark
    data = 'train_dataloader.dataset'
    proc = run_tool([
        'benchmarks/soak_resume.py',
        'configs/uda/synthetic/deeplabv2_r18-half_vat.py', '--iters', '4',
        '--kill-every', '2', '--work-dir', str(tmp_path), '--cfg-options',
        f'{data}.source.data_root={root}/viper',
        f'{data}.source.ego_vehicle_mask={root}/viper/ego_vehicle_mask.png',
        f'{data}.target.data_root={root}/cityscapes',
        f'{data}.target.snippet_length=6',
        # Built at the start of training even though no validation runs.
        f'val_dataloader.dataset.data_root={root}/cityscapes_vps',
        f'test_dataloader.dataset.data_root={root}/cityscapes_vps',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=1'
    ], env=dict(WANDB_MODE='disabled'))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / 'soak.json').read_text())
    assert result['kills'] == 1
    assert result['identical'], result
