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
    table = demo.resolve_methods(['table'])
    assert sorted(table) == sorted(set(demo.METHODS) - {'VST'})
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


def _strings(value):
    """(key, string) pairs anywhere in a config dict."""
    if isinstance(value, dict):
        out = []
        for key, v in value.items():
            out += [(key, v)] if isinstance(v, str) else _strings(v)
        return out
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in _strings(v)]
    return []


def test_stage_config_starts_the_backbone_from_the_pretrained_checkpoint(
        tmp_path):
    import torch
    from mmengine.registry import DefaultScope

    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('uda_video'):
        # A checkpoint of the pretraining config's network, as tools/train.py
        # writes it (state_dict with backbone.* and decode_head.* keys).
        pre = MODELS.build(Config.fromfile(
            osp.join(REPO, demo.PRETRAIN_CONFIG)).model)
        ckpt = str(tmp_path / 'pre.pth')
        torch.save(dict(state_dict=pre.state_dict()), ckpt)
        for name, owner in (('VAT', 'segmentor.backbone'),
                            ('target-oracle', 'backbone')):
            path = demo.stage_config(demo.METHODS[name][0], 5,
                                     str(tmp_path / name), pretrained=ckpt,
                                     data=str(tmp_path / 'bench'))
            cfg = Config.fromfile(path)
            model = MODELS.build(cfg.model)
            model.init_weights()
            backbone = model.get_submodule(owner)
            for key, value in backbone.state_dict().items():
                assert torch.equal(value, pre.state_dict()['backbone.' + key]), key
            # Every data path reads the benchmark given, none the default.
            strings = _strings(cfg.to_dict())
            roots = [v for k, v in strings if k == 'data_root']
            assert roots and all(r.startswith(str(tmp_path / 'bench'))
                                 for r in roots), roots
            assert not [v for _, v in strings if 'data/synthetic' in v]
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        demo.stage_config(demo.METHODS['VAT'][0], 5, str(tmp_path / 'x'),
                          pretrained=str(tmp_path / 'missing.pth'))
