"""Temporal consistency: 100 for a static prediction, lower when it flickers."""
import numpy as np
import pytest
import torch

from uda_video.datasets.flow_io import write_flow
from uda_video.evaluation import TemporalConsistencyMetric
from uda_video.evaluation.functional import (consistency_areas,
                                             forward_backward_mask, warp_labels)
from uda_video.evaluation.metrics.temporal_consistency_metric import \
    frame_name

H, W = 8, 12


def _pred(shift=0):
    p = torch.zeros(H, W, dtype=torch.long)
    p[2:6, 3 + shift:7 + shift] = 1
    p[:, 10:] = 2
    return p


def _sample(video, frame, pred, flow_fw=None):
    s = dict(video_id=video, frame_id=frame, img_path=f'/x/{video}_{frame}.png',
             pred_sem_seg=dict(data=pred[None]), frame_offsets=[0])
    if flow_fw is not None:
        s['frame_offsets'] = [0, 1]
        s['gt_flow'] = flow_fw[None]
    return s


def _tc(preds, flows, **kwargs):
    m = TemporalConsistencyMetric(**kwargs)
    m.dataset_meta = dict(classes=('a', 'b', 'c'))
    for t, (p, f) in enumerate(zip(preds, flows)):
        m.process({}, [_sample('v', t, p, f)])
    return m.evaluate(len(preds))


def test_static_prediction_zero_flow_is_100():
    zero = torch.zeros(2, H, W)
    res = _tc([_pred()] * 4, [zero] * 4)
    assert res['TC'] == pytest.approx(100.0)
    assert res['TC_pairs'] == 3


def test_flickering_prediction_is_lower():
    zero = torch.zeros(2, H, W)
    preds = [_pred(), _pred(2), _pred(), _pred(2)]
    assert _tc(preds, [zero] * 4)['TC'] < 80


def test_motion_compensated_by_flow_is_100():
    # the scene moves right 2 px; flow t -> t+1 is u = +2 everywhere, so
    # warp(pred_{t+1})(p) = pred_{t+1}(p + 2) = pred_t(p); the last 2 columns
    # leave the frame and are not counted
    pred0 = _pred()
    pred1 = torch.full_like(pred0, 1)
    pred1[:, 2:] = pred0[:, :-2]
    flow = torch.zeros(2, H, W)
    flow[0] = 2.0
    assert _tc([pred0, pred1], [flow, None])['TC'] == pytest.approx(100.0)
    assert _tc([pred0, pred1], [-flow, None])['TC'] < 90
    assert _tc([pred0, pred1], [torch.zeros(2, H, W), None])['TC'] < 90


def test_flow_files_and_valid_mask(tmp_path):
    preds = [_pred(), _pred(2)]
    flow = np.zeros((H, W, 2), np.float32)
    valid = np.ones((H, W), bool)
    valid[2:6, :] = False  # the flickering rows are marked unreliable
    write_flow(str(tmp_path / 'v_0_flow_fw.png'), flow, valid)
    kwargs = dict(flow_source='file',
                  flow_file_tmpl=str(tmp_path / '{stem}_flow_fw.png'))
    assert _tc(preds, [None, None], **kwargs)['TC'] < 100
    assert _tc(preds, [None, None], occlusion='valid',
               **kwargs)['TC'] == pytest.approx(100.0)


def test_missing_flow_file_names_the_file_and_the_template(tmp_path):
    kwargs = dict(flow_source='file',
                  flow_file_tmpl=str(tmp_path / '{stem}_flow_fw.png'))
    with pytest.raises(FileNotFoundError) as err:
        _tc([_pred(), _pred()], [None, None], **kwargs)
    msg = str(err.value)
    assert str(tmp_path / 'v_0_flow_fw.png') in msg
    assert 'flow_file_tmpl' in msg and 'compute_flow.py' in msg


def test_frame_name_drops_only_a_non_numeric_last_token():
    assert frame_name('/d/0001_0002_city_000001_000020_leftImg8bit.png') == \
        '0001_0002_city_000001_000020'
    assert frame_name('/d/aachen_000000_000019_leftImg8bit.png') == \
        'aachen_000000_000019'
    assert frame_name('/d/001_00042.jpg') == '001_00042'  # frame number stays
    assert frame_name('/d/frame.png') == 'frame'
    assert frame_name('/d/_left.png') == '_left'


def test_name_key_finds_vps_flow_files(tmp_path):
    """Cityscapes-VPS: {split}/img_all/<name>_leftImg8bit.png and the flow
    in {split}/flow/<name>_flow_fw.png."""
    img_dir = tmp_path / 'val' / 'img_all'
    img_dir.mkdir(parents=True)  # '..' in the template needs it to exist
    flow = np.zeros((H, W, 2), np.float32)
    valid = np.ones((H, W), bool)
    valid[2:6, :] = False  # the flickering rows are marked unreliable
    write_flow(str(tmp_path / 'val' / 'flow' /
                   '0001_0000_city_000001_000000_flow_fw.png'), flow, valid)

    def tc(tmpl):
        m = TemporalConsistencyMetric(flow_source='file', flow_file_tmpl=tmpl,
                                      occlusion='valid')
        m.dataset_meta = dict(classes=('a', 'b', 'c'))
        for t, p in enumerate((_pred(), _pred(2))):
            s = _sample('v', t, p)
            s['img_path'] = str(
                img_dir / f'0001_{t:04d}_city_000001_{t:06d}_leftImg8bit.png')
            m.process({}, [s])
        return m.evaluate(2)

    # Only the validity mask of this file makes the flickering pair score 100.
    assert tc('{img_dir}/../flow/{name}_flow_fw.png')['TC'] == \
        pytest.approx(100.0)
    with pytest.raises(FileNotFoundError, match='leftImg8bit_flow_fw.png'):
        tc('{img_dir}/../flow/{stem}_flow_fw.png')


def test_missing_or_non_consecutive_input_is_an_error():
    m = TemporalConsistencyMetric()
    m.dataset_meta = dict(classes=('a', 'b', 'c'))
    m.process({}, [_sample('v', 0, _pred())])
    with pytest.raises(KeyError, match='offset \\+1'):
        m.process({}, [_sample('v', 1, _pred())])
    m = TemporalConsistencyMetric()
    m.dataset_meta = dict(classes=('a', 'b', 'c'))
    m.process({}, [_sample('v', 0, _pred(), torch.zeros(2, H, W))])
    with pytest.raises(ValueError, match='frame 0 is followed by frame 2'):
        m.process({}, [_sample('v', 2, _pred())])
    with pytest.raises(ValueError, match='flow_source'):
        TemporalConsistencyMetric(flow_source='raft')


def test_warp_labels_out_of_frame_and_fb_mask():
    labels = torch.arange(W).repeat(H, 1)
    flow = torch.zeros(2, H, W)
    flow[0] = 3.0
    warped, inside = warp_labels(labels, flow)
    assert torch.equal(warped[:, :W - 3], labels[:, 3:])
    assert not inside[:, W - 3:].any() and inside[:, :W - 3].all()
    inter, union = consistency_areas(labels[:, :2], labels[:, :2], W)
    assert inter[:2].tolist() == [H, H] and union[2:].sum() == 0
    bw_ok = -flow
    bw_bad = flow.clone()
    ok = forward_backward_mask(flow, bw_ok)
    # Consistent wherever p + flow(p) stays in the frame; leaving it = occluded.
    inside = (torch.arange(W).view(1, W) + flow[0]) <= W - 1
    assert torch.equal(ok, inside)
    assert ok[:, :W - 3].all() and not ok[:, W - 3:].any()
    assert not forward_backward_mask(flow, bw_bad).any()


def test_classical_flow_backend(tmp_path):
    import cv2
    rng = np.random.default_rng(0)
    img = (rng.random((H * 4, W * 4, 3)) * 255).astype(np.uint8)
    m = TemporalConsistencyMetric(
        flow_source='backend',
        flow_backend=dict(type='ClassicalFlow', method='farneback'))
    m.dataset_meta = dict(classes=('a', 'b', 'c'))
    pred = _pred().repeat_interleave(4, 0).repeat_interleave(4, 1)
    for t, p in enumerate((pred, pred, torch.roll(pred, 8, 1))):
        path = str(tmp_path / f'v_{t}.png')
        cv2.imwrite(path, img)  # a static scene: the flow is zero
        s = _sample('v', t, p)
        s['img_path'] = path
        m.process({}, [s])
    res = m.evaluate(3)
    assert res['TC_pairs'] == 2 and 50 < res['TC'] < 100
