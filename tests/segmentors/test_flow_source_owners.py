"""Owners of a flow source: old config keys and old checkpoints still work."""
import copy

import cv2
import numpy as np
import torch
from mmengine.runner import load_checkpoint

from uda_video.evaluation.metrics import TemporalConsistencyMetric
from uda_video.models.flow import ClassicalFlow
from video_seg_utils import (BACKBONE, HEAD, build_model, predict_logits,
                             sample)

DFF = dict(type='DFFSegmentor', backbone=copy.deepcopy(BACKBONE),
           decode_head=copy.deepcopy(HEAD),
           flow_source=dict(type='TestTinyFlowNet'),
           scale_field=dict(type='ScaleFieldHead', out_channels=(64, ),
                            channels=8),
           flow_input_scale=0.5,
           test_cfg=dict(mode='whole', key_frame_interval=2))


def old_dff_checkpoint(model, path):
    """A checkpoint as DFF saved it when the attribute was ``flow_net``."""
    state = {k.replace('flow_source.', 'flow_net.', 1): v
             for k, v in model.state_dict().items()}
    assert any(k.startswith('flow_net.') for k in state)
    torch.save(dict(state_dict=state, meta={}), str(path))
    return str(path)


def test_old_dff_config_and_checkpoint_load(tmp_path):
    torch.manual_seed(0)
    trained = build_model(DFF).eval()
    ckpt = old_dff_checkpoint(trained, tmp_path / 'old_dff.pth')
    old_cfg = copy.deepcopy(DFF)
    old_cfg['flow_net'] = old_cfg.pop('flow_source')
    loaded = build_model(old_cfg).eval()
    load_checkpoint(loaded, ckpt, strict=True, logger='silent')
    for k, v in trained.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k
    # also a UDA wrapper's keys (segmentor.flow_net.*) via load_state_dict
    state = torch.load(ckpt)['state_dict']
    fresh = build_model(DFF).eval()
    fresh.load_state_dict(state, strict=True)
    for t, frame in enumerate(torch.randn(2, 1, 3, 32, 32)):
        # frame 0 is a key frame, frame 1 is propagated by the flow net
        torch.testing.assert_close(
            predict_logits(fresh, frame, sample('v', t))[0],
            predict_logits(trained, frame, sample('v', t))[0])
    assert not trained.last_frame_was_key


def test_tc_metric_runs_a_flow_source_on_the_frames(tmp_path):
    rng = np.random.default_rng(0)
    base = (rng.random((12, 16, 3)) * 255).astype(np.uint8)
    base = cv2.resize(base, (64, 48), interpolation=cv2.INTER_CUBIC)
    prev, cur = {}, {}
    for t, (sample, img) in enumerate(
            ((prev, base), (cur, np.roll(base, 3, axis=1)))):
        sample['img_path'] = str(tmp_path / f'v_{t}.png')
        cv2.imwrite(sample['img_path'], img)
    cfg = dict(type='ClassicalFlow', method='farneback')
    new = TemporalConsistencyMetric(flow_source=cfg)
    old = TemporalConsistencyMetric(flow_source='backend', flow_backend=cfg)
    flow, _ = new._forward_flow(prev, cur)
    torch.testing.assert_close(flow, old._forward_flow(prev, cur)[0])
    # the frames reach OpenCV as they did (BGR images of the files)
    expected = ClassicalFlow(method='farneback').compute(
        cv2.imread(prev['img_path']), cv2.imread(cur['img_path']))
    torch.testing.assert_close(flow,
                               torch.from_numpy(expected).permute(2, 0, 1))
    assert float(flow[0, 8:-8, 8:-8].median()) > 2  # the scene moved right


def test_exact_loader_of_the_tools_renames_old_flow_keys(tmp_path):
    """tools/misc/inference.py and the demo figure check key sets before
    loading: an old ``flow_net.*`` checkpoint passes, a foreign key does
    not."""
    import pytest

    from uda_video.apis.inference import (CheckpointMismatchError,
                                          load_state_dict_exactly)
    torch.manual_seed(0)
    trained = build_model(DFF).eval()
    ckpt = old_dff_checkpoint(trained, tmp_path / 'old_dff.pth')
    fresh = build_model(DFF).eval()
    load_state_dict_exactly(fresh, ckpt)
    for k, v in trained.state_dict().items():
        assert torch.equal(v, fresh.state_dict()[k]), k
    state = torch.load(ckpt)['state_dict']
    state['flow_other.weight'] = torch.zeros(1)
    torch.save(dict(state_dict=state, meta={}), str(tmp_path / 'bad.pth'))
    with pytest.raises(CheckpointMismatchError, match='flow_other.weight'):
        load_state_dict_exactly(build_model(DFF), str(tmp_path / 'bad.pth'))
