"""VPQ on hand-built tiny videos with known answers (ids: class * 1000 + track)."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch

from uda_video.evaluation.functional import (encoded_segment_table,
                                             joint_histogram, video_pq_stats,
                                             vpq_results)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# classes 0, 1 stuff; 2, 3 things; 4 never present anywhere
IS_THING = np.array([False, False, True, True, False])
VOID = 255000


def vpq(gts, preds, ks=(0, 5, 10, 15), is_thing=IS_THING):
    """Percent results of one video (lists of H x W id maps, one per frame)."""
    frames = [joint_histogram(np.asarray(g), np.asarray(p))
              for g, p in zip(gts, preds)]
    stats = video_pq_stats(
        frames, [k // 5 + 1 for k in ks],
        lambda ids: encoded_segment_table(ids, is_thing),
        lambda ids: encoded_segment_table(ids, np.zeros_like(is_thing))[0],
        len(is_thing))
    return vpq_results(stats, ks, is_thing)


def strip(width=40, obj=(0, 10), obj_id=2001, bg=0):
    """1 x width frame: stuff ``bg`` with a thing ``obj_id`` at columns obj."""
    f = np.full((1, width), bg, np.int64)
    f[0, obj[0]:obj[1]] = obj_id
    return f


def test_perfect_prediction_is_100():
    gts = [strip(obj=(t, t + 10)) for t in range(6)]
    for t, g in enumerate(gts):
        g[0, 30:] = 1000  # a second stuff class
    res = vpq(gts, [g.copy() for g in gts])
    for key, val in res.items():
        assert val == pytest.approx(100.0), key


@pytest.mark.parametrize('shift,matched', [(3, True), (4, False)])
def test_shifted_tube_around_iou_half(shift, matched):
    # thing IoU = (10 - s) / (10 + s): s=3 -> 7/13 > 0.5, s=4 -> 6/14 < 0.5
    gt = strip(obj=(0, 10))
    pred = strip(obj=(shift, shift + 10))
    res = vpq([gt], [pred], ks=(0, ))
    stuff = (30 - shift) / (30 + shift)  # stuff 0 always matches
    thing = (10 - shift) / (10 + shift) if matched else 0.0
    assert res['vpq_thing'] == pytest.approx(100 * thing)
    assert res['vpq_stuff'] == pytest.approx(100 * stuff)
    assert res['vpq_all'] == pytest.approx(100 * (thing + stuff) / 2)


def test_tube_iou_is_over_the_window_and_strict():
    # perfect per frame, but the predicted id switches between frames: the
    # 2-frame tube IoU is exactly 0.5 -> no match (strictly greater needed)
    gts = [strip(obj=(0, 10)), strip(obj=(0, 10))]
    preds = [strip(obj=(0, 10), obj_id=2001), strip(obj=(0, 10), obj_id=2002)]
    res = vpq(gts, preds, ks=(0, 5))
    assert res['vpq_thing_k0'] == pytest.approx(100.0)
    assert res['vpq_thing_k5'] == pytest.approx(0.0)
    assert res['vpq_stuff_k5'] == pytest.approx(100.0)
    assert res['vpq_thing'] == pytest.approx(50.0)


def test_void_dominated_false_positive_is_ignored():
    gt = strip(obj=(0, 10))
    gt[0, 30:] = VOID
    pred = strip(obj=(0, 10))
    pred[0, 30:] = 0  # stuff spilling into VOID: union excludes it
    pred[0, 33:37] = 3001  # 4 px, all on VOID: not a false positive
    res = vpq([gt], [pred], ks=(0, ))
    assert res['vpq_all'] == pytest.approx(100.0)
    pred = strip(obj=(0, 10))
    pred[0, 30:] = 0
    pred[0, 26:34] = 3001  # 4 of 8 px on VOID: not more than half -> FP
    res = vpq([gt], [pred], ks=(0, ))
    # class 3: FP only -> PQ 0; stuff 0: inter 16, union 20 + 22 - 16 - 6
    assert res['vpq_thing'] == pytest.approx(100 * (1 + 0) / 2)
    assert res['vpq_stuff'] == pytest.approx(100 * 16 / 20)


def test_crowd_regions():
    gt = strip(obj=(0, 10))  # a class-2 car
    gt[0, 20:30] = 3000  # crowd of class 3
    pred = strip(obj=(0, 10))
    res = vpq([gt], [pred], ks=(0, ))  # unpredicted crowd: no FN
    assert res['vpq_thing'] == pytest.approx(100.0)
    pred[0, 19:29] = 3001  # 9 of 10 px on crowd of its class: not FP
    res = vpq([gt], [pred], ks=(0, ))
    assert res['vpq_thing'] == pytest.approx(100.0)
    pred[0, 19:29] = 2002  # a class-2 segment on class-3 crowd: FP
    res = vpq([gt], [pred], ks=(0, ))
    assert res['vpq_thing'] == pytest.approx(100 * (1 / 1.5))


def test_absent_classes_are_skipped():
    gt = strip(obj=(0, 10))
    res = vpq([gt], [gt.copy()], ks=(0, ))
    # 5 classes, only 0 (stuff) and 2 (thing) occur: means over those only
    assert res['vpq_all'] == pytest.approx(100.0)
    assert res['vpq_thing'] == pytest.approx(100.0)


def test_segment_outside_classes_is_an_error():
    gt = strip()
    pred = strip(obj_id=7001)
    with pytest.raises(ValueError, match='id 7001 has class 7'):
        vpq([gt], [pred], ks=(0, ))


def _bench():
    spec = importlib.util.spec_from_file_location(
        'bench_vpq', osp.join(REPO, 'benchmarks', 'bench_vpq.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_vectorized_equals_segment_loop_baseline():
    bench = _bench()
    rng = np.random.default_rng(3)
    for _ in range(2):
        gts, preds = bench.synthetic_video(rng, 6, 48, 96)
        fast = bench.vectorized_stats(gts, preds)
        slow = bench.baseline_stats(gts, preds)
        assert fast[:, :3].sum() > 0 and fast[:, 1].sum() > 0
        np.testing.assert_array_equal(fast[:, :3], slow[:, :3])
        np.testing.assert_allclose(fast[:, 3], slow[:, 3], rtol=0, atol=1e-12)


# ----------------------------------------------------------------- the metric
def _sample(video, frame, gt, pred_sem=None, pred_pan=None, labelled=True):
    s = dict(video_id=video, frame_id=frame, is_labelled=labelled,
             img_path=f'{video}_{frame}.png',
             gt_panoptic_seg=dict(data=torch.from_numpy(gt)[None]))
    if pred_sem is not None:
        s['pred_sem_seg'] = dict(data=torch.from_numpy(pred_sem)[None])
    if pred_pan is not None:
        s['pred_panoptic_seg'] = dict(data=torch.from_numpy(pred_pan)[None])
    return s


def _metric(**kwargs):
    from uda_video.evaluation import VPQMetric
    m = VPQMetric(**kwargs)
    m.dataset_meta = dict(classes=('road', 'sky', 'car', 'person', 'bus'),
                          thing_classes=('car', 'person'))
    return m


def _random_video(rng, frames=6, h=12, w=16):
    gts, sems = [], []
    for _ in range(frames):
        sem = rng.integers(0, 4, (h // 4, w // 4)).repeat(4, 0).repeat(4, 1)
        gt = sem * 1000
        gt[sem >= 2] += 1  # every thing pixel belongs to track 1
        gt[:2, :3] = VOID
        pred = sem.copy()
        pred[rng.random((h, w)) < 0.2] = rng.integers(0, 4)
        gts.append(gt)
        sems.append(pred)
    return gts, sems


def test_metric_semantic_and_panoptic_modes_agree():
    rng = np.random.default_rng(0)
    results = {}
    for mode in ('semantic', 'panoptic'):
        rng = np.random.default_rng(0)
        m = _metric(mode=mode)
        for video in ('a', 'b'):
            gts, sems = _random_video(rng)
            for t, (gt, sem) in enumerate(zip(gts, sems)):
                pan = sem * 1000 + (sem >= 2)  # each class one segment
                m.process({}, [_sample(video, 5 * t, gt, pred_sem=sem,
                                       pred_pan=pan)])
        results[mode] = m.evaluate(12)
    sem, pan = results['semantic'], results['panoptic']
    assert set(sem) >= {'svpq_all', 'svpq_thing', 'svpq_stuff',
                        'svpq_all_k15'}
    assert set(pan) >= {'vpq_all', 'vpq_thing', 'vpq_stuff', 'vpq_all_k15'}
    assert not any(k.startswith('vpq') for k in sem)
    assert not any(k.startswith('svpq') for k in pan)
    assert 0 < sem['svpq_all'] < 100
    # one segment per class on both sides: panoptic VPQ is semantic VPQ here
    assert {'s' + k: v for k, v in pan.items()} == sem


def test_semantic_vpq_merges_ground_truth_things_per_class():
    # two cars (tracks 1, 2) and a crowd of cars; a perfect semantic
    # prediction scores 100 (each class of a frame one segment on both
    # sides); panoptic VPQ of an instance-blind prediction does not.
    gt = np.zeros((4, 12), np.int64)  # road
    gt[1:3, 0:4] = 2001
    gt[1:3, 4:8] = 2002
    gt[1:3, 8:12] = 2000  # crowd
    gt[0, 0] = VOID
    sem = gt // 1000
    sem[0, 0] = 0  # prediction on VOID
    results = {}
    for name, mode, pan in (
            ('semantic', 'semantic', None),
            ('merged', 'semantic', sem * 1000 + 1),  # no pred_sem_seg
            ('blind', 'panoptic', sem * 1000 + 1),
            ('perfect', 'panoptic', np.where(gt == VOID, 0, gt))):
        m = _metric(mode=mode)
        for t in range(2):
            m.process({}, [_sample('v', 5 * t, gt, pred_pan=pan,
                                   pred_sem=sem if pan is None else None)])
        results[name] = m.evaluate(2)
    for name in ('semantic', 'merged'):
        assert results[name]['svpq_all'] == pytest.approx(100.0)
        assert results[name]['svpq_thing'] == pytest.approx(100.0)
    # one predicted car over two cars and a crowd: IoU 8 / 24 -> no match
    assert results['blind']['vpq_thing'] == pytest.approx(0.0)
    assert results['perfect']['vpq_thing'] == pytest.approx(100.0)


def test_metric_groups_by_video_and_orders_frames():
    rng = np.random.default_rng(1)
    gts, sems = _random_video(rng)
    ordered = _metric(mode='semantic')
    shuffled = _metric(mode='semantic')
    unlabelled = np.full_like(gts[0], 7)  # would be invalid if it were read
    for t in range(6):
        ordered.process({}, [_sample('v', 5 * t, gts[t], pred_sem=sems[t])])
    for t in (3, 0, 5, 1, 4, 2):
        shuffled.process({}, [_sample('v', 5 * t, gts[t], pred_sem=sems[t])])
    shuffled.process({}, [_sample('v', 31, unlabelled, pred_sem=unlabelled,
                                  labelled=False)])
    assert ordered.evaluate(6) == shuffled.evaluate(7)
    # a video's frames must be contiguous in the test order
    m = _metric(mode='semantic')
    m.process({}, [_sample('v', 0, gts[0], pred_sem=sems[0])])
    m.process({}, [_sample('w', 0, gts[0], pred_sem=sems[0])])
    with pytest.raises(ValueError, match='video v'):
        m.process({}, [_sample('v', 5, gts[1], pred_sem=sems[1])])


def test_metric_errors_name_missing_keys():
    m = _metric(mode='panoptic')
    gt = np.zeros((2, 2), np.int64)
    with pytest.raises(KeyError, match='pred_panoptic_seg'):
        m.process({}, [_sample('v', 0, gt, pred_sem=gt)])
    with pytest.raises(ValueError, match='mode'):
        _metric(mode='instance')
