"""Deep Feature Flow: key frames, propagation, per-video state, training."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from uda_video.models.segmentors import DFFSegmentor, propagate_features
from uda_video.registry import MODELS
from helpers import REPO, load_tool
from video_seg_utils import (BACKBONE, HEAD, build_model, per_frame_cfg,
                             per_frame_twin, predict_logits, sample)


def dff_cfg(flow='TestTinyFlowNet', interval=3, scale_field=True):
    return dict(
        type='DFFSegmentor',
        backbone=copy.deepcopy(BACKBONE),
        decode_head=copy.deepcopy(HEAD),
        flow_source=dict(type=flow),
        scale_field=dict(type='ScaleFieldHead', out_channels=(64, ),
                         channels=8) if scale_field else None,
        flow_input_scale=0.5,
        test_cfg=dict(mode='whole', key_frame_interval=interval))


class BackboneCalls:
    """Counts forward calls of a module."""

    def __init__(self, module):
        self.count = 0
        module.register_forward_hook(self._hook)

    def _hook(self, *args):
        self.count += 1


def test_registered_and_built():
    model = build_model(dff_cfg())
    assert isinstance(model, DFFSegmentor)
    assert MODELS.get('DFFSegmentor') is DFFSegmentor
    assert model.key_frame_interval == 3


def test_key_frames_equal_per_frame_model():
    model = build_model(dff_cfg(interval=3)).eval()
    twin = per_frame_twin(model)
    frames = torch.randn(7, 1, 3, 32, 32)
    keys = []
    for t in range(7):
        logits, out = predict_logits(model, frames[t], sample('v', t))
        ref, _ = predict_logits(twin, frames[t], sample('v', t))
        keys.append(model.last_frame_was_key)
        assert out.metainfo['is_key_frame'] == model.last_frame_was_key
        if model.last_frame_was_key:
            torch.testing.assert_close(logits, ref)
        else:
            # Propagated from an earlier key frame with a non-zero flow.
            assert not torch.allclose(logits, ref, atol=1e-4)
    assert keys == [True, False, False, True, False, False, True]


@pytest.mark.parametrize('scale_field', [True, False])
def test_static_video_every_frame_equals_key_frame(scale_field):
    model = build_model(dff_cfg(flow='TestZeroFlowNet', interval=10,
                                scale_field=scale_field)).eval()
    calls = BackboneCalls(model.backbone)
    frame = torch.randn(1, 3, 32, 32)
    key_logits, _ = predict_logits(model, frame, sample('v', 0))
    for t in range(1, 5):
        logits, _ = predict_logits(model, frame, sample('v', t))
        assert not model.last_frame_was_key
        torch.testing.assert_close(logits, key_logits, atol=1e-5, rtol=1e-5)
    # Only the key frame ran the feature network.
    assert calls.count == 1


def test_state_resets_at_new_video():
    model = build_model(dff_cfg(interval=100)).eval()
    twin = per_frame_twin(model)
    calls = BackboneCalls(model.backbone)
    a, b = torch.randn(2, 1, 3, 32, 32)
    predict_logits(model, a, sample('A', 0))
    predict_logits(model, b, sample('A', 1))
    assert not model.last_frame_was_key
    logits, _ = predict_logits(model, b, sample('B', 0))
    assert model.last_frame_was_key
    assert model.video_state.video_id == 'B'
    ref, _ = predict_logits(twin, b, sample('B', 0))
    torch.testing.assert_close(logits, ref)
    assert calls.count == 2
    # Switching to training and back forgets the video even if its id repeats.
    model.train()
    model.eval()
    predict_logits(model, a, sample('B', 1))
    assert model.last_frame_was_key


def test_training_step_reaches_flow_network():
    model = build_model(dff_cfg()).train()
    clips = torch.randn(2, 2, 3, 32, 32)  # frame_offsets [0, -g]
    samples = [sample('v', 5, label=True) for _ in range(2)]
    losses = model.loss(clips, samples)
    assert set(losses) >= {'decode.loss_ce', 'decode.acc_seg'}
    losses['decode.loss_ce'].backward()
    for name in ('flow_source.conv1.weight', 'flow_source.conv2.weight',
                 'backbone.stem.0.weight', 'decode_head.aspp.0.weight',
                 'scale_field.level_convs.0.weight'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_training_needs_key_frame():
    model = build_model(dff_cfg()).train()
    with pytest.raises(ValueError, match='frame_offsets'):
        model.loss(torch.randn(1, 1, 3, 32, 32), [sample('v', 0, label=True)])


def test_key_frame_phase_shifts_the_key_grid():
    cfg = dff_cfg(interval=3)
    cfg['test_cfg']['key_frame_phase'] = 2
    model = build_model(cfg).eval()
    keys = []
    for t in range(7):
        predict_logits(model, torch.randn(1, 3, 32, 32), sample('v', t))
        keys.append(model.last_frame_was_key)
    # The first frame of a video is always a key frame.
    assert keys == [True, False, True, False, False, True, False]
    cfg['test_cfg']['key_frame_phase'] = 3
    with pytest.raises(ValueError, match='key_frame_phase'):
        build_model(cfg)


@pytest.mark.parametrize('bad', [0, -1, 2.5, None])
def test_bad_key_frame_interval(bad):
    cfg = dff_cfg()
    cfg['test_cfg']['key_frame_interval'] = bad
    with pytest.raises(ValueError, match='key_frame_interval'):
        build_model(cfg)


def test_slide_mode_refused():
    cfg = dff_cfg()
    cfg['test_cfg']['mode'] = 'slide'
    with pytest.raises(ValueError, match="mode='whole'"):
        build_model(cfg)


def test_propagation_follows_flow_convention():
    """Flow cur -> key on a 2x finer grid: out(p) = key(p + flow(p))."""
    key = torch.randn(1, 4, 6, 8)
    flow = torch.zeros(1, 2, 12, 16)
    flow[:, 0] = 2.0  # 2 px right on the flow grid = 1 feature pixel
    out, = propagate_features([key], flow)
    torch.testing.assert_close(out[..., :-1], key[..., 1:], atol=1e-5,
                               rtol=1e-5)
    scale = torch.full_like(key, 2.0)
    out2, = propagate_features([key], flow, [scale])
    torch.testing.assert_close(out2, 2 * out)


def test_scale_field_starts_at_one():
    from uda_video.models.video_modules import ScaleFieldHead
    head = ScaleFieldHead(out_channels=(4, 6), channels=5)
    head.init_weights()
    img = torch.randn(2, 3, 16, 16)
    fields = head(img, img.flip(-1), torch.randn(2, 2, 8, 8), [(8, 8), (4, 4)])
    assert [tuple(f.shape) for f in fields] == [(2, 4, 8, 8), (2, 6, 4, 4)]
    for f in fields:
        torch.testing.assert_close(f, torch.ones_like(f))
    with pytest.raises(ValueError, match='2 feature levels'):
        head(img, img, torch.zeros(2, 2, 8, 8), [(8, 8)])


DFF_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/dff/*.py')))


@pytest.mark.parametrize('path', DFF_CONFIGS, ids=osp.basename)
def test_configs_build(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    if 'per-frame' in path:
        assert type(model).__name__ == 'ClipEncoderDecoder'
        return
    assert isinstance(model, DFFSegmentor)
    assert model.key_frame_interval == 5
    # One propagated level whose channels the scale field matches.
    assert len(model.backbone.out_indices) == 1
    assert model.scale_field.out_channels == (model.decode_head.in_channels, )
    offsets = cfg.train_dataloader.dataset.frame_offsets
    assert offsets[0] == 0 and len(offsets) == 2


def test_synthetic_config_train_step_updates_flow_net():
    """One optimizer step of the synthetic config, clips as PackClipInputs
    gives them (uint8, key frame first): the flow network moves."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/dff/'
                 'dff_deeplabv2_r18-half-d8_flownets_synthetic.py'))
    cfg.model.data_preprocessor.size = (64, 64)
    model = MODELS.build(cfg.model).train()
    optim = build_optim_wrapper(
        model, dict(type='OptimWrapper',
                    optimizer=dict(type='SGD', lr=0.1, momentum=0.0)))
    data = dict(inputs=[], data_samples=[])
    for _ in range(2):
        data['inputs'].append(torch.randint(0, 256, (2, 3, 64, 64),
                                            dtype=torch.uint8))
        data['data_samples'].append(sample('v', 19, h=64, w=64, label=True))
    before = [p.detach().clone() for p in model.flow_source.parameters()]
    losses = model.train_step(data, optim)
    assert torch.isfinite(losses['loss'])
    moved = [not torch.equal(a, p) for a, p in
             zip(before, model.flow_source.parameters())]
    assert all(moved)


def test_speed_suite_compares_dff_with_its_per_frame_baseline(tmp_path):
    """benchmarks/bench_speed.py dff: baseline first (speed-up 1), DFF with
    whole key cycles, its key / non-key split and less compute per frame."""
    import json
    bench = load_tool('benchmarks/bench_speed.py')
    benchmark_tool = load_tool('tools/analysis_tools/benchmark.py')

    def in_process(config, options, shape, device, frames, warmup, out):
        # bench_speed.run_one's command, without a new interpreter per model
        argv = [osp.join(REPO, config), '--frames', str(frames), '--warmup',
                str(warmup), '--shape', str(shape[0]), str(shape[1]),
                '--out', out] + (['--cfg-options'] + options if options else [])
        benchmark_tool.main(argv)
        return json.loads(open(out).read())

    bench.run_one = in_process
    out = tmp_path / 'dff.json'
    result = bench.main(['dff', '--shape', '64', '128', '--frames', '1',
                         '--out', str(out)])
    assert json.loads(out.read_text()) == result
    base, dff, dff_half, unsplit = result['models']
    assert base['speedup'] == 1.0 and 'non_key_ms' not in base
    assert dff['frames'] == 5  # one key cycle
    assert dff['non_key_to_key'] == dff['non_key_ms'] / dff['key_ms']
    assert dff['speedup'] == base['mean_ms'] / dff['mean_ms']
    assert dff['gflops'] < base['gflops'] / 2
    assert dff_half['gflops'] < dff['gflops']  # a narrower flow network
    # DeepLab-v2's ASPP to 19 scores costs less than the split ASPP to 256.
    assert unsplit['gflops'] < base['gflops'] and 'non_key_ms' not in unsplit


NECK = dict(type='ConvNeck', in_channels=64, out_channels=16, kernel_size=3,
            dilations=(1, 2), act_cfg=None)
CLASSIFIER = dict(type='FCNHead', in_channels=16, in_index=0, channels=16,
                  num_convs=0, concat_input=False, dropout_ratio=0.0,
                  num_classes=HEAD['num_classes'])


def test_conv_neck_sums_dilated_branches_and_checks_its_arguments():
    from uda_video.models.necks import ConvNeck
    neck = ConvNeck(in_channels=(4, 6), out_channels=5, dilations=(1, 3))
    x = (torch.randn(2, 4, 9, 7), torch.randn(2, 6, 3, 5))
    a, b = neck(x)
    assert a.shape == (2, 5, 9, 7) and b.shape == (2, 5, 3, 5)
    # Level 0 = ReLU(conv_d1(x) + conv_d3(x)).
    d1, d3 = neck.branches[0]
    assert d3.dilation == (3, 3) and d3.padding == (3, 3)
    torch.testing.assert_close(a, torch.relu(d1(x[0]) + d3(x[0])))
    linear = ConvNeck(in_channels=4, out_channels=5, act_cfg=None,
                      norm_cfg=dict(type='BN'))
    assert linear.branches[0][0].bias is None  # the norm has the bias
    assert (linear.eval()((x[0], ))[0] < 0).any()
    with pytest.raises(ValueError, match='2 levels'):
        neck(x[:1])
    with pytest.raises(ValueError, match='kernel_size must be odd'):
        ConvNeck(in_channels=4, out_channels=5, kernel_size=2)
    with pytest.raises(ValueError, match='in_channels'):
        ConvNeck(in_channels=(), out_channels=5)
    with pytest.raises(ValueError, match='dilations'):
        ConvNeck(in_channels=4, out_channels=5, dilations=(0, ))


def test_neck_runs_on_key_frames_only_and_is_propagated():
    """DFF's paper split: backbone + neck on key frames, the 1x1 classifier
    on every frame; key frames equal the per-frame network with the neck."""
    cfg = dff_cfg(flow='TestZeroFlowNet', interval=3)
    cfg.update(neck=copy.deepcopy(NECK), decode_head=copy.deepcopy(CLASSIFIER))
    cfg['scale_field']['out_channels'] = (16, )
    model = build_model(cfg).eval()
    twin_cfg = per_frame_cfg(head=CLASSIFIER)
    twin_cfg['neck'] = copy.deepcopy(NECK)
    twin = build_model(twin_cfg)
    missing, _ = twin.load_state_dict(model.state_dict(), strict=False)
    assert not missing
    twin.eval()
    neck_calls = BackboneCalls(model.neck)
    frame = torch.randn(1, 3, 32, 32)
    key_logits, _ = predict_logits(model, frame, sample('v', 0))
    ref, _ = predict_logits(twin, frame, sample('v', 0))
    torch.testing.assert_close(key_logits, ref)
    for t in (1, 2):
        logits, _ = predict_logits(model, frame, sample('v', t))
        assert not model.last_frame_was_key
        torch.testing.assert_close(logits, key_logits, atol=1e-5, rtol=1e-5)
    assert neck_calls.count == 1


def test_frame_loss_adds_the_current_frames_own_loss():
    """frame_loss_weight w: the propagated loss as before, plus w times the
    task loss on the current frame's own features (eval mode: BN statistics
    do not depend on the batch the two frames share)."""
    cfg = dff_cfg()
    plain = build_model(cfg).eval()
    cfg['frame_loss_weight'] = 0.5
    model = build_model(cfg).eval()
    model.load_state_dict(plain.state_dict())
    clips = torch.randn(2, 2, 3, 32, 32)
    samples = [sample('v', 5, label=True) for _ in range(2)]
    losses = model.loss(clips, samples)
    torch.testing.assert_close(losses['decode.loss_ce'],
                               plain.loss(clips, samples)['decode.loss_ce'])
    own = model.decode_head.loss(model.extract_feat(clips[:, 0]), samples,
                                 model.train_cfg)
    torch.testing.assert_close(losses['frame.decode.loss_ce'],
                               0.5 * own['loss_ce'])
    # Accuracies are logged unweighted.
    torch.testing.assert_close(losses['frame.decode.acc_seg'],
                               own['acc_seg'])
    cfg['frame_loss_weight'] = -1.0
    with pytest.raises(ValueError, match='frame_loss_weight'):
        build_model(cfg)
