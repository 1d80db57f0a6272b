"""TDNet: round-robin paths, per-video buffer of P-1 sub-features, APM, distillation."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from helpers import REPO

from uda_video.models.video_modules import AttentionPropagation
from uda_video.registry import MODELS

NUM_CLASSES = 3
SUB_C = 8


def tdnet_cfg(paths, teacher=None):
    cfg = dict(
        type='TDNet',
        num_paths=paths,
        sub_network=dict(
            type='PSPSubNetwork',
            backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                          base_channels=4, out_indices=(3, ),
                          dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
                          contract_dilation=True),
            in_channels=32, channels=4, out_channels=SUB_C,
            pool_scales=(1, 2)),
        apm=dict(type='AttentionPropagation', num_paths=paths,
                 in_channels=SUB_C, key_channels=4, downsample=2),
        decode_head=dict(type='FCNHead', in_channels=paths * SUB_C,
                         in_index=0, channels=8, num_convs=1,
                         concat_input=False, num_classes=NUM_CLASSES,
                         norm_cfg=dict(type='BN')),
        test_cfg=dict(mode='whole'))
    if teacher is not None:
        cfg.update(teacher)
    return cfg


TEACHER_MODEL = dict(
    type='EncoderDecoder',
    backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                  base_channels=8, out_indices=(3, ), dilations=(1, 1, 2, 4),
                  strides=(1, 2, 1, 1), contract_dilation=True),
    decode_head=dict(type='PSPHead', in_channels=64, in_index=0, channels=16,
                     pool_scales=(1, 2), num_classes=NUM_CLASSES,
                     norm_cfg=dict(type='BN')),
    test_cfg=dict(mode='whole'))


@pytest.fixture
def teacher_ckpt(tmp_path):
    teacher = MODELS.build(copy.deepcopy(TEACHER_MODEL))
    path = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict(), meta={}), path)
    return path


def meta(video_id, frame_id, h=32, w=32, offsets=(0, )):
    return dict(video_id=video_id, frame_id=frame_id, img_shape=(h, w),
                ori_shape=(h, w), pad_shape=(h, w), padding_size=[0, 0, 0, 0],
                frame_offsets=list(offsets))


def train_samples(n, paths, h=32, w=32):
    out = []
    for i in range(n):
        s = SegDataSample(metainfo=meta('v', 5, h, w, range(0, -paths, -1)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, NUM_CLASSES, (1, h, w)))
        out.append(s)
    return out


def count_path_calls(model):
    calls = [0] * model.num_paths
    for k, path in enumerate(model.paths):
        path.register_forward_hook(
            lambda m, i, o, k=k: calls.__setitem__(k, calls[k] + 1))
    return calls


@pytest.mark.parametrize('paths', [2, 4])
def test_paths_cycle_and_buffer_holds_at_most_p_minus_1(paths):
    model = MODELS.build(tdnet_cfg(paths)).eval()
    calls = count_path_calls(model)
    frames = torch.randn(2 * paths + 1, 1, 1, 3, 32, 32)
    seen = []
    with torch.no_grad():
        for f, frame in enumerate(frames):
            before = list(calls)
            out = model.predict(frame, [SegDataSample(metainfo=meta('a', f))])
            ran = [c - b for c, b in zip(calls, before)]
            seen.append(model.last_path)
            assert len(model.buffered_paths()) <= paths - 1
            # The next frame's path is never buffered: it will be recomputed.
            assert (f + 1) % paths not in model.buffered_paths()
            if f == 0:  # warm-up: every path runs once on the first frame
                assert ran == [1] * paths and model.last_frame_was_key
            else:
                assert ran == [int(k == f % paths) for k in range(paths)]
                assert not model.last_frame_was_key
            assert out[0].pred_sem_seg.data.shape == (1, 32, 32)
    assert seen == [f % paths for f in range(2 * paths + 1)]


def test_buffer_resets_at_new_video():
    model = MODELS.build(tdnet_cfg(4)).eval()
    calls = count_path_calls(model)
    with torch.no_grad():
        for f in range(3):
            model.predict(torch.randn(1, 1, 3, 32, 32),
                          [SegDataSample(metainfo=meta('a', f))])
        old = dict(model.video_state.cache['sub_feats'])
        before = list(calls)
        model.predict(torch.randn(1, 1, 3, 32, 32),
                      [SegDataSample(metainfo=meta('b', 0))])
    assert model.last_path == 0 and model.video_state.frame_index == 0
    assert [c - b for c, b in zip(calls, before)] == [1, 1, 1, 1]
    new = model.video_state.cache['sub_feats']
    assert sorted(new) == [0, 2, 3]
    assert not any(torch.equal(new[p], old[p]) for p in new if p in old)
    # Switching to training mode clears the state too.
    model.train()
    assert model.buffered_paths() == []


def test_streaming_prediction_equals_clip_composition():
    """Frame 3 of a video, with buffered features, equals the training-time clip."""
    model = MODELS.build(tdnet_cfg(4)).eval()
    frames = torch.randn(4, 1, 3, 32, 32)
    with torch.no_grad():
        for f in range(4):
            out = model.predict(frames[f].unsqueeze(1),
                                [SegDataSample(metainfo=meta('a', f))])[0]
        clip = torch.stack([frames[3], frames[2], frames[1], frames[0]], 1)
        full = model.clip_features(clip, key_path=3)[0]
        logits = model.decode_head.forward([full])
    expected = torch.nn.functional.interpolate(
        logits, size=(32, 32), mode='bilinear', align_corners=False)[0]
    torch.testing.assert_close(out.seg_logits.data, expected)
    # A lone frame in tensor mode is composed like a video's first frame.
    with torch.no_grad():
        first = model.predict(frames[0].unsqueeze(1),
                              [SegDataSample(metainfo=meta('b', 0))])[0]
        tensor = model(frames[0], mode='tensor')
    expected = torch.nn.functional.interpolate(
        tensor, size=(32, 32), mode='bilinear', align_corners=False)[0]
    torch.testing.assert_close(first.seg_logits.data, expected)


def test_apm_shape_slots_and_gradient_to_earlier_features():
    apm = AttentionPropagation(num_paths=3, in_channels=5, key_channels=4,
                               downsample=2)
    cur = torch.randn(2, 5, 9, 11, requires_grad=True)
    earlier = {0: torch.randn(2, 5, 9, 11, requires_grad=True),
               2: torch.randn(2, 5, 9, 11, requires_grad=True)}
    out = apm(cur, 1, earlier)
    assert out.shape == (2, 15, 9, 11)
    torch.testing.assert_close(out[:, 5:10], cur)  # own slot is kept as is
    out[:, :5].sum().backward()
    assert earlier[0].grad.abs().sum() > 0 and cur.grad.abs().sum() > 0
    with pytest.raises(ValueError, match=r'paths \[0, 2\]'):
        apm(cur, 1, {0: earlier[0]})


@pytest.mark.parametrize('paths', [2, 4])
def test_training_reaches_every_path(paths):
    model = MODELS.build(tdnet_cfg(paths)).train()
    clips = torch.randn(2, paths, 3, 32, 32)
    losses = model.loss(clips, train_samples(2, paths))
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    losses['decode.loss_ce'].backward()
    for k, path in enumerate(model.paths):
        grad = path.backbone.stem[0].weight.grad
        assert grad is not None and grad.abs().sum() > 0, f'path {k}'
    # Keys of the earlier frames' paths are trained too.
    assert any(c.weight.grad is not None and c.weight.grad.abs().sum() > 0
               for c in model.apm.key_convs)


def test_training_clip_must_match_paths():
    model = MODELS.build(tdnet_cfg(4)).train()
    with pytest.raises(ValueError, match='clips of 4 frames, got 2'):
        model.loss(torch.randn(1, 2, 3, 32, 32), train_samples(1, 2))
    bad = train_samples(1, 4)
    bad[0].set_metainfo(dict(frame_offsets=[0, -2, -4, -6]))
    with pytest.raises(ValueError, match=r'frame_offsets == \[0, -1, -2, -3\]'):
        model.loss(torch.randn(1, 4, 3, 32, 32), bad)
    # Offsets clamped at a video's start are accepted.
    ok = train_samples(2, 4)
    for s in ok:
        s.set_metainfo(dict(frame_offsets=[0, -1, -1, -1]))
    assert 'decode.loss_ce' in model.loss(torch.randn(2, 4, 3, 32, 32), ok)


def test_grouped_distillation_from_loaded_teacher(teacher_ckpt):
    model = MODELS.build(tdnet_cfg(2, dict(
        teacher_config=copy.deepcopy(TEACHER_MODEL),
        teacher_checkpoint=teacher_ckpt, teacher_channels=16)))
    model.train()
    assert not model.teacher.module.training
    assert not any(k.startswith('teacher') for k in model.state_dict())
    losses = model.loss(torch.randn(2, 2, 3, 32, 32), train_samples(2, 2))
    for name in ('loss_full_kd', 'loss_sub_kd', 'loss_logit_kd'):
        assert float(losses[name].detach()) > 0, name
    sum(v for k, v in losses.items() if 'kd' in k).backward()
    assert model.sub_projs[1].weight.grad.abs().sum() > 0
    assert model.paths[1].backbone.stem[0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.teacher.module.parameters())


TDNET_CONFIGS = {
    'tdnet_td4-psp18_synthetic.py': 4,
    'tdnet-kd_td4-psp18_synthetic.py': 4,
    'tdnet_td2-psp50_synthetic.py': 2,
    'tdnet_td4-psp18_cityscapes-seq.py': 4,
    'tdnet_td2-psp50_cityscapes-seq.py': 2,
}


@pytest.mark.parametrize('name', sorted(TDNET_CONFIGS))
def test_configs_are_consistent_and_segment_a_frame(name):
    cfg = Config.fromfile(osp.join(REPO, 'configs/tdnet', name))
    paths = TDNET_CONFIGS[name]
    m = cfg.model
    assert m.num_paths == m.apm.num_paths == paths
    assert m.decode_head.in_channels == paths * m.apm.in_channels
    assert m.sub_network.out_channels == m.apm.in_channels
    assert m.teacher_channels % paths == 0
    offsets = cfg.train_dataloader.dataset.frame_offsets
    assert offsets == [-j for j in range(paths)]
    m.teacher_config = None  # the teacher checkpoint is not shipped
    m.data_preprocessor = None
    m.sub_network.norm_cfg = m.sub_network.backbone.norm_cfg = dict(type='BN')
    m.decode_head.norm_cfg = dict(type='BN')
    model = MODELS.build(m).eval()
    with torch.no_grad():
        out = model.predict(torch.randn(1, 1, 3, 32, 48),
                            [SegDataSample(metainfo=meta('a', 0, 32, 48))])
    assert out[0].pred_sem_seg.data.shape == (1, 32, 48)
    assert out[0].seg_logits.data.shape[0] == m.decode_head.num_classes


def test_td4_baseline_has_the_depth_and_width_of_one_path():
    td4 = Config.fromfile(osp.join(REPO, 'configs/tdnet/tdnet_td4-psp18_synthetic.py'))
    base = Config.fromfile(
        osp.join(REPO, 'configs/tdnet/per-frame_pspnet_r18-half-d8_synthetic.py'))
    path_bb, base_bb = td4.model.sub_network.backbone, base.model.backbone
    for key in ('depth', 'base_channels', 'stem_channels', 'dilations'):
        assert path_bb[key] == base_bb[key], key
