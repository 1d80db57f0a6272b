"""tools/demo.py: the stages it trains and the configs it writes for them."""
import os.path as osp

import pytest
from mmengine.config import Config

from helpers import REPO, load_tool

demo = load_tool('tools/demo.py')


def test_methods_follow_the_checkpoint_they_start_from():
    assert demo.resolve_methods(['VAT->VST']) == ['VAT', 'VAT->VST']
    assert demo.resolve_methods(demo.DEMO_METHODS) == [
        'source-only', 'VAT', 'VAT->VST', 'video-DACS']
    order = demo.resolve_methods(['all'])
    assert order.index('VAT') < order.index('image-ST')
    assert order.index('source-only') < order.index('VST')
    assert sorted(order) == sorted(demo.METHODS)
    with pytest.raises(KeyError, match='nope'):
        demo.resolve_methods(['nope'])


@pytest.mark.parametrize('segmentor', ['dff', 'tdnet', 'tcd', 'accel'])
def test_every_video_segmentor_has_each_adapted_config(segmentor):
    table = demo.segmentor_methods(segmentor)
    assert list(table) == ['source-only', 'VAT', 'VAT->VST', 'video-DACS']
    assert table['VAT->VST'][1] == 'VAT'
    for config, _ in table.values():
        assert osp.isfile(osp.join(REPO, config)), config
        assert demo.SEGMENTORS[segmentor][1] in config


def test_unknown_segmentor_is_named():
    with pytest.raises(KeyError, match="'clockwork'"):
        demo.segmentor_methods('clockwork')


def test_stage_config_shortens_the_schedule_and_sets_the_teacher(tmp_path):
    config = demo.segmentor_methods('tcd')['VAT'][0]
    path = demo.stage_config(config, 7, str(tmp_path), load_from='start.pth',
                             seed=3, teacher='teacher.pth')
    cfg = Config.fromfile(path)
    assert cfg.train_cfg.max_iters == 7 and cfg.randomness.seed == 3
    assert cfg.load_from == 'start.pth'
    assert cfg.model.segmentor.teacher_checkpoint == 'teacher.pth'
    # The teacher config is the source-trained one (no target labels).
    assert cfg.model.segmentor.teacher_config == demo.TEACHERS['tcd']
    # One short poly schedule per named optimizer (segmentor, discriminator).
    assert set(cfg.param_scheduler) == {'segmentor', 'discriminator'}
    assert all(s[0]['end'] == 7 for s in cfg.param_scheduler.values())
    assert cfg.val_dataloader is None
