"""Clockwork: stage split, fixed/alternating/pipeline/adaptive clocks."""
import copy
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from uda_video.apis.clock import tune_threshold
from uda_video.models.segmentors import (ClockworkSegmentor,
                                         fixed_rate_updates, label_change,
                                         relative_change)
from uda_video.models.video_modules import resnet_stages
from uda_video.registry import MODELS
from helpers import REPO, load_tool
from video_seg_utils import (BACKBONE, HEAD, build_model, per_frame_twin,
                             predict_logits, sample)


def clock_cfg(schedule='fixed', backbone=None, head=None, **clock):
    return dict(
        type='ClockworkSegmentor',
        backbone=copy.deepcopy(backbone or BACKBONE),
        decode_head=copy.deepcopy(head or HEAD),
        schedule=schedule,
        test_cfg=dict(mode='whole'),
        **clock)


# A head that also reads the shallowest stage (DeepLab-v3+ style), so fresh
# shallow features change the scores between deep updates.
MULTI_LEVEL_BACKBONE = dict(BACKBONE, out_indices=(0, 1, 2, 3))
MULTI_LEVEL_HEAD = dict(
    type='DepthwiseSeparableASPPHead', in_channels=64, in_index=3,
    channels=16, c1_in_channels=8, c1_channels=4, dilations=(1, 2),
    dropout_ratio=0.0, num_classes=3,
    norm_cfg=dict(type='BN', requires_grad=True))


def drifting_video(n=8, seed=0):
    """Frames that drift further from the first one at growing speed."""
    g = torch.Generator().manual_seed(seed)
    base = torch.randn(1, 3, 32, 32, generator=g)
    frames = [base]
    for t in range(1, n):
        frames.append(frames[-1] + 0.15 * t *
                      torch.randn(1, 3, 32, 32, generator=g))
    return frames


def run_video(model, frames, video_id='v'):
    outs = []
    for t, f in enumerate(frames):
        outs.append(predict_logits(model, f, sample(video_id, t)))
    return outs


@pytest.mark.parametrize('backbone_type', ['ResNetV1c', 'ResNet'])
def test_stages_compose_to_backbone(backbone_type):
    cfg = dict(BACKBONE, type=backbone_type, out_indices=(0, 1, 2, 3))
    if backbone_type == 'ResNet':
        cfg.pop('stem_channels')
    backbone = MODELS.build(cfg)
    backbone.eval()
    stages = resnet_stages(backbone)
    assert len(stages) == 4
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        expected = backbone(x)
        feats = []
        for stage in stages:
            x = stage(x)
            feats.append(x)
    for a, b in zip(feats, expected):
        torch.testing.assert_close(a, b)


def test_unsupported_backbone_is_refused():
    cfg = clock_cfg()
    cfg['backbone'] = dict(type='MobileNetV2', widen_factor=0.25,
                           out_indices=(6, ))
    cfg['decode_head'] = dict(HEAD, in_channels=80)
    with pytest.raises(TypeError, match='MobileNetV2'):
        MODELS.build(cfg)


def test_all_rates_one_equals_per_frame():
    model = build_model(clock_cfg(rates=(1, 1, 1, 1))).eval()
    twin = per_frame_twin(model)
    frames = drifting_video(4)
    for t, (logits, out) in enumerate(run_video(model, frames)):
        ref, _ = predict_logits(twin, frames[t], sample('v', t))
        torch.testing.assert_close(logits, ref)
        assert out.metainfo['full_update']
    assert model.update_fraction == 1.0


def test_fixed_rates_reuse_deep_stages():
    assert fixed_rate_updates(2, (1, 1, 2, 4)) == [True, True, True, False]
    model = build_model(clock_cfg(rates=(1, 2, 2, 4))).eval()
    outs = run_video(model, drifting_video(5))
    # The head reads only the last stage: frames 1-3 reuse frame 0's stage 4.
    for t in (1, 2, 3):
        torch.testing.assert_close(outs[t][0], outs[0][0])
    assert not torch.allclose(outs[4][0], outs[0][0])
    assert model.stage_updates == [5, 3, 3, 2]
    assert model.num_full_updates == 2
    assert outs[-1][1].metainfo['update_fraction'] == pytest.approx(2 / 5)


def test_alternating_schedule():
    model = build_model(
        clock_cfg('alternating', shallow_stages=1,
                  backbone=MULTI_LEVEL_BACKBONE,
                  head=MULTI_LEVEL_HEAD)).eval()
    twin = per_frame_twin(model, MULTI_LEVEL_BACKBONE, MULTI_LEVEL_HEAD)
    assert model.rates == (1, 2, 2, 2)
    frames = drifting_video(4)
    outs = run_video(model, frames)
    assert [o.metainfo['full_update'] for _, o in outs] == [
        True, False, True, False]
    assert model.last_frame_was_key is False
    assert model.update_fraction == 0.5
    # Between deep updates the fresh shallow level still changes the output.
    ref1, _ = predict_logits(twin, frames[1], sample('v', 1))
    assert not torch.allclose(outs[1][0], outs[0][0])
    assert not torch.allclose(outs[1][0], ref1)


def test_pipeline_schedule_uses_previous_frame_stages():
    model = build_model(
        clock_cfg('pipeline', backbone=MULTI_LEVEL_BACKBONE,
                  head=MULTI_LEVEL_HEAD)).eval()
    frames = drifting_video(3)
    outs = run_video(model, frames)
    stages = resnet_stages(model.backbone)
    with torch.no_grad():
        prev = [frames[0]]
        for s in stages:
            prev.append(s(prev[-1]))
        cur = [stages[0](frames[1])] + [
            stages[i](prev[i]) for i in range(1, 4)]
        prev2 = cur
        cur2 = [stages[0](frames[2])] + [
            stages[i](prev2[i - 1]) for i in range(1, 4)]
        expected = model.decode_head.predict(
            tuple(cur2), [sample('v', 2).metainfo], model.test_cfg)[0]
    torch.testing.assert_close(outs[2][0], expected)
    assert model.stage_updates == [3, 3, 3, 3]
    assert model.num_full_updates == 1


@pytest.mark.parametrize('signal', ['features', 'scores', 'labels'])
def test_adaptive_update_fraction_falls_with_threshold(signal):
    cfg = clock_cfg('adaptive', change_signal=signal,
                    backbone=MULTI_LEVEL_BACKBONE, head=MULTI_LEVEL_HEAD)
    model = build_model(cfg).eval()
    # A strong classifier so the predicted classes vary over the image.
    torch.nn.init.normal_(model.decode_head.conv_seg.weight, std=3.0)
    frames = drifting_video(8)
    fractions = []
    for threshold in (0.0, 0.05, 0.2, 0.5, 1.0, 1e9):
        model.threshold = threshold
        model.reset_clock_stats()
        model.reset_video_state()
        outs = run_video(model, frames)
        fractions.append(model.update_fraction)
        assert 'clock_change' in outs[1][1].metainfo
    assert all(a >= b for a, b in zip(fractions, fractions[1:])), fractions
    assert fractions[-1] == pytest.approx(1 / 8)  # only the first frame
    if signal != 'labels':
        assert fractions[0] == 1.0  # every frame differs
    assert fractions[0] > fractions[-1]


def test_adaptive_without_update_reuses_deep_stages():
    model = build_model(clock_cfg('adaptive', threshold=1e9)).eval()
    outs = run_video(model, drifting_video(3))
    # Deep-only head: no update means the output of the last update.
    torch.testing.assert_close(outs[2][0], outs[0][0])
    assert model.stage_updates == [3, 1, 1, 1]


def test_change_measures():
    ref = torch.ones(1, 2, 4, 4)
    assert relative_change(ref, ref) == 0.0
    assert relative_change(ref * 1.5, ref) == pytest.approx(0.5)
    a = torch.zeros(1, 3, 2, 2)
    a[:, 0] = 1
    b = a.clone()
    b[0, :, 0, 0] = torch.tensor([0., 2., 0.])
    assert label_change(b, a) == pytest.approx(0.25)


def test_tune_threshold_hits_target_rate():
    model = build_model(clock_cfg('adaptive')).eval()
    frames = drifting_video(10)

    def fraction(threshold):
        model.threshold = threshold
        model.reset_clock_stats()
        model.reset_video_state()
        run_video(model, frames)
        return model.update_fraction

    threshold, achieved = tune_threshold(fraction, target=0.5, steps=12)
    assert abs(achieved - 0.5) <= 0.1 + 1e-9
    assert fraction(threshold) == achieved


@pytest.mark.parametrize('kwargs,match', [
    (dict(schedule='weekly'), 'schedule'),
    (dict(rates=(1, 2)), 'rates'),
    (dict(rates=(1, 0, 1, 1)), 'rates'),
    (dict(schedule='pipeline', rates=(1, 1, 1, 1)), 'rates'),
    (dict(schedule='adaptive', shallow_stages=4), 'shallow_stages'),
    (dict(schedule='adaptive', change_signal='vibes'), 'change_signal'),
])
def test_bad_clock_arguments(kwargs, match):
    cfg = clock_cfg(**kwargs)
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)


def test_registered():
    assert MODELS.get('ClockworkSegmentor') is ClockworkSegmentor


CLOCK_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/clockwork/*.py')))


@pytest.mark.parametrize('path', CLOCK_CONFIGS, ids=osp.basename)
def test_configs_build(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert isinstance(model, ClockworkSegmentor)
    expected = osp.basename(path).split('_')[0].split('-')[1]
    assert model.schedule == expected
    assert model.num_stages == 4


def _tune_clock_tool():
    return load_tool('tools/analysis_tools/tune_clock.py')


ADAPTIVE_SYNTHETIC = osp.join(
    REPO, 'configs/clockwork/'
    'clockwork-adaptive_deeplabv3plus_r18-half-d8_synthetic.py')


def test_tune_clock_tool_on_unlabelled_video(tmp_path):
    from uda_video.datasets.synthetic.writer import write_benchmark
    root = tmp_path / 'synthetic'
    write_benchmark(str(root), videos=4, frames=8, height=32, width=64,
                    seed=0)
    out = tmp_path / 'tune.json'
    threshold, achieved = _tune_clock_tool().main([
        ADAPTIVE_SYNTHETIC, '--target-rate', '0.5', '--frames', '8',
        '--steps', '5', '--out', str(out), '--cfg-options',
        f'test_dataloader.dataset.data_root={root}/cityscapes_vps'
    ])
    result = json.loads(out.read_text())
    assert result['threshold'] == threshold
    assert result['update_fraction'] == achieved
    assert result['frames'] == 8
    curve = [(p['threshold'], p['update_fraction']) for p in result['curve']]
    fractions = [f for _, f in sorted(curve)]
    assert all(a >= b for a, b in zip(fractions, fractions[1:])), curve
    assert abs(achieved - 0.5) == min(abs(f - 0.5) for f in fractions)


def test_tune_clock_tool_needs_adaptive_schedule():
    path = ADAPTIVE_SYNTHETIC.replace('adaptive', 'alternating')
    with pytest.raises(ValueError, match="'adaptive'"):
        _tune_clock_tool().main([path, '--target-rate', '0.5'])


def test_deepcopy_runs_its_own_backbone():
    """An EMA-teacher style deepcopy must not run the original's weights."""
    model = build_model(clock_cfg(rates=(1, 1, 1, 1))).eval()
    clone = copy.deepcopy(model)
    for p in clone.backbone.layer4.parameters():
        p.data.mul_(-1.0)
    frame = drifting_video(1)[0]
    a, _ = predict_logits(model, frame, sample('v', 0))
    b, _ = predict_logits(clone, frame, sample('v', 0))
    assert not torch.allclose(a, b)
    twin = per_frame_twin(clone)
    torch.testing.assert_close(b, predict_logits(twin, frame,
                                                 sample('v', 0))[0])


def test_clock_curve_benchmark(tmp_path):
    """benchmarks/bench_clock_curve.py: per-frame baseline first, update
    fraction falling as the threshold rises, metrics and a plot per run."""
    from uda_video.datasets.synthetic.writer import write_benchmark
    root = tmp_path / 'synthetic'
    write_benchmark(str(root), videos=4, frames=6, height=32, width=64,
                    seed=0)
    bench = load_tool('benchmarks/bench_clock_curve.py')
    out, png = tmp_path / 'curve.json', tmp_path / 'curve.png'
    result = bench.main([
        ADAPTIVE_SYNTHETIC, '--thresholds', '0.05', 'inf', '--out', str(out),
        '--plot', str(png), '--cfg-options',
        f'test_dataloader.dataset.data_root={root}/cityscapes_vps'
    ])
    assert json.loads(out.read_text())['frames'] == result['frames']
    rows = result['rows']
    assert [r['threshold'] for r in rows] == [0.0, 0.05, float('inf')]
    videos = result['frames'] // 6
    assert rows[0]['update_fraction'] == 1.0 and rows[0]['speedup'] == 1.0
    # An infinite threshold updates only the first frame of each video.
    assert rows[-1]['update_fraction'] == pytest.approx(1 / 6)
    assert videos >= 1
    fractions = [r['update_fraction'] for r in rows]
    assert fractions == sorted(fractions, reverse=True)
    assert all('mIoU' in r['metrics'] and 'TC' in r['metrics'] for r in rows)
    assert png.stat().st_size > 0
