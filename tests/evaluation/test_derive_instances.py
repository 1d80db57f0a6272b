"""Instances derived from semantic predictions: components tracked along flow."""
import numpy as np
import pytest
import torch

from uda_video.evaluation.derived_instances import (DERIVED_LABEL_DIVISOR,
                                                    InstanceDeriver)
from uda_video.evaluation.functional.instances import (InstanceTracker,
                                                       match_components,
                                                       thing_components,
                                                       warp_instances)

CAR, PERSON, ROAD = 2, 3, 0
THINGS = (CAR, PERSON)


def frame(blobs, h=8, w=32):
    """Road with blobs ``(class, row0, col0, size)`` (square)."""
    sem = np.full((h, w), ROAD, np.int64)
    for cls, r, c, s in blobs:
        sem[r:r + s, c:c + s] = cls
    return sem


def shift_flow(dx, h=8, w=32):
    """Backward flow t -> t-1 of a scene moved right by dx: u = -dx."""
    flow = np.zeros((2, h, w))
    flow[0] = -dx
    return flow


def ids_at(inst, points):
    return [int(inst[r, c]) for r, c in points]


def test_components_per_class_and_min_area():
    sem = frame([(CAR, 0, 0, 3), (CAR, 4, 10, 3), (PERSON, 0, 3, 3),
                 (CAR, 7, 30, 1)])
    comp, cls, small = thing_components(sem, THINGS)
    # the person touches the first car but is its own component
    assert len(cls) == 5 and sorted(cls[1:].tolist()) == [2, 2, 2, 3]
    assert comp[0, 0] != comp[0, 3] and comp[0, 0] != comp[4, 10]
    assert (comp[sem == ROAD] == 0).all() and not small.any()
    comp, cls, small = thing_components(sem, THINGS, min_area=2)
    assert len(cls) == 4 and small[7, 30] and small.sum() == 1
    # 4-connectivity splits diagonal neighbours, 8 joins them
    diag = frame([(CAR, 0, 0, 1), (CAR, 1, 1, 1)])
    assert len(thing_components(diag, THINGS, connectivity=4)[1]) == 3
    assert len(thing_components(diag, THINGS, connectivity=8)[1]) == 2


def test_warp_moves_ids_along_backward_flow():
    prev = np.zeros((8, 32), np.int64)
    prev[2:4, 5:8] = 7
    warped = warp_instances(prev, shift_flow(6))
    assert (warped[2:4, 11:14] == 7).all() and warped.sum() == 7 * 6


def test_two_moving_blobs_keep_their_ids_with_flow():
    f0 = frame([(CAR, 1, 2, 4), (CAR, 1, 16, 4)])
    f1 = frame([(CAR, 1, 8, 4), (CAR, 1, 22, 4)])  # both moved right by 6
    tracker = InstanceTracker(THINGS)
    inst0, _ = tracker.update(f0)
    a, b = ids_at(inst0, [(1, 2), (1, 16)])
    assert a != b and a > 0 and b > 0
    inst1, _ = tracker.update(f1, shift_flow(6))
    assert ids_at(inst1, [(1, 8), (1, 22)]) == [a, b]
    # without flow the blobs do not overlap their past selves: new ids
    tracker = InstanceTracker(THINGS)
    tracker.update(f0)
    inst1, _ = tracker.update(f1)
    assert not set(ids_at(inst1, [(1, 8), (1, 22)])) & {a, b}


def test_new_blob_gets_new_id_and_other_class_never_matches():
    tracker = InstanceTracker(THINGS)
    inst0, _ = tracker.update(frame([(CAR, 1, 2, 4)]))
    car = int(inst0[1, 2])
    # same place, now a person, plus a new car: neither continues the car
    inst1, _ = tracker.update(frame([(PERSON, 1, 2, 4), (CAR, 1, 20, 4)]))
    person, new_car = ids_at(inst1, [(1, 2), (1, 20)])
    assert len({car, person, new_car}) == 3
    # the car comes back where the person was: the person's id is of another
    # class, so it is again new
    inst2, _ = tracker.update(frame([(CAR, 1, 2, 4), (CAR, 1, 20, 4)]))
    back, same = ids_at(inst2, [(1, 2), (1, 20)])
    assert same == new_car and back not in (car, person, new_car)


def test_matching_is_one_to_one_and_above_threshold():
    comp = np.zeros((1, 10), np.int64)
    comp[0, 0:4], comp[0, 4:6] = 1, 2  # a car split in a big and a small part
    prev = np.zeros((1, 10), np.int64)
    prev[0, 0:6] = 9
    matched = match_components(comp, np.array([-1, CAR, CAR]), prev, {9: CAR},
                               iou_thr=0.5)
    assert matched.tolist() == [0, 9, 0]  # IoU 4/6 wins, 2/6 is a new one
    matched = match_components(comp, np.array([-1, CAR, CAR]), prev, {9: CAR},
                               iou_thr=0.7)
    assert matched.tolist() == [0, 0, 0]


def _sample(video, t, sem, img='/data/val/img_all/f_{t}_leftImg8bit.png',
            labelled=True, gt=None):
    s = dict(video_id=video, frame_id=t, is_labelled=labelled,
             img_path=img.format(t=t),
             pred_sem_seg=dict(data=torch.from_numpy(sem)[None]))
    if gt is not None:
        s['gt_panoptic_seg'] = dict(data=torch.from_numpy(gt)[None])
    return s


def test_deriver_encodes_resets_per_video_and_checks_flow():
    deriver = InstanceDeriver(THINGS)
    sem = frame([(CAR, 1, 2, 4)])
    pan = deriver(_sample('a', 0, sem))
    assert pan[1, 2] == CAR * DERIVED_LABEL_DIVISOR + 1
    assert pan[0, 0] == ROAD * DERIVED_LABEL_DIVISOR
    deriver(_sample('a', 1, frame([(CAR, 1, 20, 4)])))  # instance 2
    assert deriver(_sample('b', 0, sem))[1, 2] == CAR * DERIVED_LABEL_DIVISOR + 1
    with_flow = InstanceDeriver(THINGS, flow_file_tmpl='{img_dir}/../flow/'
                                '{name}_flow_bw.png')
    with_flow(_sample('a', 0, sem))
    with pytest.raises(FileNotFoundError, match=r'flow/f_1_flow_bw\.png'):
        with_flow(_sample('a', 1, sem))
    with pytest.raises(ValueError, match='frame 0 is followed by frame 5'):
        with_flow(_sample('a', 5, sem))


def _metric(**kwargs):
    from uda_video.evaluation import VPQMetric
    m = VPQMetric(**kwargs)
    m.dataset_meta = dict(classes=('road', 'sky', 'car', 'person'),
                          thing_classes=('car', 'person'))
    return m


def test_derived_instances_make_thing_vpq_meaningful():
    # two cars (tracks 1, 2) on road, driving right by 1 px per frame; the
    # semantic prediction is perfect; annotated frames 0 and 5 of 6 frames
    gts, sems = [], []
    for t in range(6):
        sem = frame([(CAR, 1, 2 + t, 3), (CAR, 4, 16 + t, 3)])
        gt = sem * 1000
        gt[1:4, 2 + t:5 + t] += 1
        gt[4:7, 16 + t:19 + t] += 2
        gts.append(gt)
        sems.append(sem)
    derived = _metric(mode='panoptic', derive_instances=dict(iou_thr=0.3))
    plain = _metric(mode='panoptic')
    for t in range(6):
        labelled = t % 5 == 0
        derived.process({}, [_sample('v', t, sems[t], labelled=labelled,
                                     gt=gts[t])])
        s = _sample('v', t, sems[t], labelled=labelled, gt=gts[t])
        s['pred_panoptic_seg'] = dict(data=torch.from_numpy(sems[t] * 1000)[None])
        plain.process({}, [s])
    res_d, res_p = derived.evaluate(6), plain.evaluate(6)
    # tracked along the 1-px motion over unlabelled frames: tubes match
    for k in (0, 5):
        assert res_d[f'vpq_thing_k{k}'] == pytest.approx(100.0)
    # each class one segment: both cars merged, IoU <= 1/2, no match
    assert res_p['vpq_thing_k0'] == pytest.approx(0.0)
    assert res_d['vpq_stuff'] == pytest.approx(res_p['vpq_stuff'])


def test_derive_needs_panoptic_mode():
    with pytest.raises(ValueError, match="derive_instances needs mode='panoptic'"):
        _metric(mode='semantic', derive_instances=dict())
