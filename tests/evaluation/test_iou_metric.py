"""VideoIoUMetric gives mmseg IoUMetric's numbers and reads labelled frames only."""
import numpy as np
import pytest
import torch
from mmseg.evaluation import IoUMetric

from uda_video.evaluation import VideoIoUMetric
from uda_video.evaluation.functional import intersect_and_union

CLASSES = ('road', 'sidewalk', 'building', 'car', 'bus', 'train')


def _samples(rng, n=6, h=9, w=11):
    out = []
    for i in range(n):
        gt = torch.from_numpy(rng.integers(0, 5, (1, h, w)))  # 'train' absent
        gt[rng.random((1, h, w)) < 0.15] = 255
        pred = torch.from_numpy(rng.integers(0, 6, (1, h, w)))
        pred[gt == 1] = 1  # one class predicted well
        out.append(dict(pred_sem_seg=dict(data=pred),
                        gt_sem_seg=dict(data=gt), img_path=f'{i}.png'))
    return out


def _run(metric, samples):
    metric.dataset_meta = dict(classes=CLASSES)
    for s in samples:
        metric.process({}, [s])
    return metric.evaluate(len(samples))


def test_equals_mmseg_iou_metric_on_random_predictions():
    samples = _samples(np.random.default_rng(0))
    ref = _run(IoUMetric(iou_metrics=['mIoU']), samples)
    ours = _run(VideoIoUMetric(), samples)
    for key in ('aAcc', 'mIoU', 'mAcc'):
        assert ours[key] == pytest.approx(ref[key], abs=1e-9), key
    assert 0 < ours['mIoU'] < 100
    # 'train' is predicted but never labelled: IoU 0, Acc undefined
    assert ours['IoU.train'] == 0 and np.isnan(ours['Acc.train'])
    assert ours['IoU.sidewalk'] > ours['IoU.road']


def test_unlabelled_frames_are_not_read():
    rng = np.random.default_rng(1)
    samples = _samples(rng, n=4)
    ref = _run(VideoIoUMetric(), samples)
    noisy = [dict(s, is_labelled=True) for s in samples]
    noisy.insert(2, dict(_samples(rng, n=1)[0], is_labelled=False))
    del noisy[2]['gt_sem_seg']  # unlabelled frames need no label at all
    assert _run(VideoIoUMetric(), noisy) == pytest.approx(ref, nan_ok=True)


def test_class_subset_mean():
    samples = _samples(np.random.default_rng(2))
    res = _run(VideoIoUMetric(class_subsets=dict(veh=['car', 'bus'])),
               samples)
    assert res['mIoU_veh'] == pytest.approx(
        (res['IoU.car'] + res['IoU.bus']) / 2, abs=0.011)
    with pytest.raises(KeyError, match='lorry'):
        _run(VideoIoUMetric(class_subsets=dict(x=['lorry'])), samples)


def test_intersect_and_union_by_hand():
    pred = torch.tensor([[0, 1, 1], [2, 2, 0]])
    label = torch.tensor([[0, 1, 2], [2, 255, 1]])
    inter, union, area_pred, area_label = intersect_and_union(
        pred, label, 3, 255)
    assert inter.tolist() == [1, 1, 1]
    assert area_pred.tolist() == [2, 2, 1]  # ignored pixel not counted
    assert area_label.tolist() == [1, 2, 2]
    assert union.tolist() == [2, 3, 2]
