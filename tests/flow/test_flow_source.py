"""The flow-source component and the one reader of a sample's flow."""
import numpy as np
import pytest
import torch
from mmseg.structures import SegDataSample

from uda_video.models.flow import (BaseFlowSource, ClassicalFlow,
                                   FlowEstimator, FrozenFlow, SampleFlow,
                                   build_flow_source, flow_source_config,
                                   rename_flow_keys)
from uda_video.ops import flow_warp
from uda_video.registry import MODELS
from uda_video.structures import sample_flow


def flow_sample(flow=None, back=None, path='v/3.png'):
    s = SegDataSample(metainfo=dict(img_path=path))
    if flow is not None:
        s.gt_flow = flow
    if back is not None:
        s.gt_flow_back = back
    return s


def test_sample_flow_reads_every_storage_and_names_missing_fields():
    a, b = torch.randn(2, 2, 4, 6), torch.randn(2, 2, 4, 6)
    samples = [flow_sample(a), flow_sample(b)]
    assert torch.equal(sample_flow(samples, index=1),
                       torch.stack([a[1], b[1]]))
    assert sample_flow(samples, index=slice(0, 2)).shape == (2, 2, 2, 4, 6)
    as_dicts = [dict(gt_flow=a.numpy()), dict(gt_flow=dict(data=b))]
    assert torch.equal(sample_flow(as_dicts), torch.stack([a[0], b[0]]))
    with pytest.raises(KeyError, match='v/9.png has no gt_flow_back'):
        sample_flow([flow_sample(a, path='v/9.png')], 'gt_flow_back')
    assert sample_flow([flow_sample(a)], 'gt_flow_back',
                       required=False) is None
    with pytest.raises(ValueError, match='has 2 flows; 3 needed'):
        sample_flow(samples, index=2)
    with pytest.raises(ValueError, match='2 x H x W'):
        sample_flow([flow_sample(torch.zeros(1, 3, 4, 6))])


def test_sample_flow_source_resizes_and_gives_the_back_flow():
    fw = torch.zeros(2, 2, 4, 6)
    fw[:, 0] = 1.0  # u = 1 px
    src = MODELS.build(dict(type='SampleFlow'))
    frames = torch.zeros(1, 3, 8, 12)
    assert torch.equal(src.flow(frames, frames, [flow_sample(fw)])[0, 0],
                       torch.full((8, 12), 2.0))  # values follow the grid
    assert src.reverse_flow(frames, frames, [flow_sample(fw)]) is None
    back = src.reverse_flow(frames, frames, [flow_sample(fw, back=-fw)],
                            size=(4, 6))
    assert torch.equal(back, -fw[:1])
    clips = torch.zeros(1, 3, 3, 4, 6)
    assert torch.equal(src.clip_flows(clips, [flow_sample(fw)], 2), fw[None])
    with pytest.raises(ValueError, match='data samples'):
        src.flow(frames, frames)


def textured_pair(dx=2):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    img = np.kron(img, np.ones((6, 6), np.uint8))  # 48 x 48 blocks
    target = np.stack([img] * 3, 0).astype(np.float32)
    source = np.roll(target, dx, axis=2)  # source(p) = target(p - dx)
    return torch.from_numpy(target)[None], torch.from_numpy(source)[None]


def test_classical_source_flow_warps_the_source_onto_the_target():
    target, source = textured_pair(dx=2)
    src = ClassicalFlow(method='farneback')
    flow = src.flow(target, source)
    assert isinstance(src, BaseFlowSource) and flow.shape == (1, 2, 48, 48)
    inner = (slice(8, -8), slice(8, -8))
    assert abs(float(flow[0, 0][inner].median()) - 2.0) < 0.5
    warped = flow_warp(source, flow)
    err = (warped - target).abs()[0, 0][inner].mean()
    assert err < (source - target).abs()[0, 0][inner].mean() / 3


def test_network_source_is_trained_through_its_flow():
    net = build_flow_source(dict(type='FlowNetS', base_channels=4), 'test')
    a, b = torch.randn(2, 3, 32, 48), torch.randn(2, 3, 32, 48)
    assert net.estimate(a, b).shape == (2, 2, 8, 12)  # stride 4
    flow = net.flow(a, b)
    assert flow.shape == (2, 2, 32, 48)
    flow.abs().sum().backward()
    assert net.conv1.conv.weight.grad.abs().sum() > 0


def test_frozen_source_loads_a_flow_estimator_checkpoint(tmp_path):
    cfg = dict(type='FlowEstimator',
               flow_net=dict(type='FlowNetS', base_channels=4))
    trained = MODELS.build(cfg)
    ckpt = str(tmp_path / 'flow.pth')
    torch.save(dict(state_dict=trained.state_dict()), ckpt)
    frozen = MODELS.build(dict(type='FrozenFlow', network=cfg,
                               checkpoint=ckpt))
    assert list(frozen.state_dict()) == []  # no weights in its owner
    a, b = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)
    expected = trained.flow_net.eval().predict_flow(a, b)
    torch.testing.assert_close(frozen.flow(a, b), expected)
    assert not frozen.flow(a, b).requires_grad
    empty = str(tmp_path / 'empty.pth')
    torch.save(dict(state_dict={}), empty)
    with pytest.raises(TypeError, match='not a flow source'):
        FrozenFlow(network=dict(type='MultiScaleEPELoss'), checkpoint=empty)


def test_old_role_names_are_translated():
    net = dict(type='FlowNetS', base_channels=4)
    assert flow_source_config('X', None, flow_net=net) == net
    # a partial old key (a --cfg-options on an old name) updates the new one
    merged = flow_source_config('X', net, flow_net=dict(base_channels=8))
    assert merged == dict(type='FlowNetS', base_channels=8)
    with pytest.raises(ValueError, match='set only flow_source'):
        flow_source_config('X', net, flow_estimator=net)
    with pytest.raises(TypeError, match='X.flow_source must be a flow source'):
        build_flow_source(dict(type='MultiScaleEPELoss'), 'X')
    state = {'segmentor.flow_net.w': 1, 'flow_estimator.b': 2, 'x': 3}
    rename_flow_keys(state)
    rename_flow_keys(state, 'segmentor.')
    assert state == {'segmentor.flow_source.w': 1, 'flow_source.b': 2,
                     'x': 3}
