"""Exact resume of UDA runs: benchmarks/soak_resume.py kills each with SIGKILL
after its iteration-2 checkpoint and resumes; the final checkpoint (weights,
buffers, optimizer states) must equal an uninterrupted run's.

- VAT: two optimizers, a discriminator, paired source/target sampling;
- VST: phase 2 from a phase-1 checkpoint (``load_from``), the EMA teacher
  (its weights and update count), running class thresholds, flow-warped
  pseudo labels.

Both keep the configs' data loader workers (2, persistent).
"""
import os.path as osp

import pytest
import torch

from helpers import REPO
from soak_helpers import SoakCase, check_exact, small_crops
from uda_video.apis.train import latest_checkpoint, resolve_resume

DATA = 'train_dataloader.dataset'


def uda_data(root):
    viper = f'{root}/viper'
    return [f'{DATA}.source.data_root={viper}',
            f'{DATA}.source.ego_vehicle_mask={viper}/ego_vehicle_mask.png',
            f'{DATA}.target.data_root={root}/cityscapes',
            f'{DATA}.target.snippet_length=6',
            'train_dataloader.batch_size=1']


def vat_options(root, work):
    return uda_data(root)


def phase1_checkpoint(path):
    """A phase-1 (source-only UDA) checkpoint: the segmentor's weights only,
    as tools/train.py would save them, with other values than the phase-2
    run's initialization."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/uda/synthetic/source-only-uda_deeplabv2_r18-half-d8_synthetic.py'))
    with torch.random.fork_rng(), \
            DefaultScope.overwrite_default_scope('uda_video'):
        torch.manual_seed(1)
        model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=1)), path)


def vst_options(root, work):
    start = work / 'phase1.pth'
    phase1_checkpoint(start)
    return uda_data(root) + [f'load_from={start}'] + small_crops(
        f'{DATA}.source.pipeline', []) + small_crops(
            f'{DATA}.target.pipeline',
            ['data_preprocessor', 'model.segmentor.data_preprocessor'])


CASES = [
    SoakCase('vat', 'configs/uda/synthetic/vat_deeplabv2_r18-half-d8_synthetic.py',
             vat_options, cost=3),
    SoakCase('vst', 'configs/uda/synthetic/vst_deeplabv2_r18-half-d8_synthetic.py',
             vst_options, cost=2),
]


@pytest.mark.parametrize('case', CASES, ids=str)
def test_uda_sigkill_resume_is_exact(case, soak_pool):
    check_exact(soak_pool.result(case))


def test_resume_with_load_from_continues_the_work_dir(tmp_path):
    """--resume in a config with load_from (VST) continues the work dir's
    checkpoint; with none there it starts from load_from (mmengine alone
    would resume from load_from: phase 2 restarted from phase 1)."""
    from mmengine.config import Config

    def resolved(resume):
        cfg = Config(dict(resume=resume, load_from='phase1.pth',
                          work_dir=str(tmp_path)))
        resolve_resume(cfg)
        return cfg.resume, cfg.load_from

    assert resolved(False) == (False, 'phase1.pth')
    assert resolved(True) == (False, 'phase1.pth')  # nothing to resume yet
    (tmp_path / 'iter_2.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    assert resolved(True) == (True, str(tmp_path / 'iter_2.pth'))


def test_resume_survives_an_empty_or_stale_last_checkpoint(tmp_path):
    """A kill while mmengine writes last_checkpoint (a plain open) leaves it
    empty; mmengine alone would then restart from iteration 0. --resume takes
    the highest iter_N.pth instead; with none, the error names the file."""
    assert latest_checkpoint(str(tmp_path / 'absent')) is None
    assert latest_checkpoint(str(tmp_path)) is None  # fresh work dir
    last = tmp_path / 'last_checkpoint'
    last.write_text(str(tmp_path / 'iter_6.pth'))  # stale: file gone
    with pytest.raises(FileNotFoundError, match='iter_6.pth'):
        latest_checkpoint(str(tmp_path))
    for n in (2, 10, 4):
        (tmp_path / f'iter_{n}.pth').write_bytes(b'')
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'iter_10.pth')
    last.write_text('')  # killed mid-write
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'iter_10.pth')
    last.write_text(str(tmp_path / 'iter_4.pth'))  # intact: it wins
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'iter_4.pth')
