"""tools/analysis_tools/eval_vpq.py on tiny Cityscapes-VPS style submissions written to disk.

``reference_vpq`` is an independent per-segment implementation that follows
the official evaluator's algorithm step by step (records per JSON entry, a
window's records merged into the first frame's, one crowd id per category);
``official=False`` gives the metric's definition instead (areas counted from
the pixels, every crowd region of the category).
"""
import copy
import json
import os
from collections import defaultdict

import numpy as np
import pytest
from PIL import Image

from helpers import load_tool, run_tool


def _eval_vpq_main(argv):
    """tools/analysis_tools/eval_vpq.py's main() in this process (the CLI
    test runs it)."""
    return load_tool(argv[0]).main(argv[1:])

CATEGORIES = [dict(id=7, name='road', isthing=0),
              dict(id=26, name='car', isthing=1)]


def _id_png(path, ids):
    rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], -1)
    Image.fromarray(rgb.astype(np.uint8)).save(path)


def _write(root, shift_last=0, extra_pred_id=None):
    """One video of 6 frames (4 x 10): road (id 1) and a car (id 300)."""
    truth, sub = root / 'gt', root / 'sub'
    os.makedirs(truth, exist_ok=True)
    os.makedirs(sub / 'pan_pred', exist_ok=True)
    images, gt_anns, pred_anns = [], [], []
    for t in range(6):
        image_id = f'0001_{t:04d}_city_000000_{t:06d}'
        gt = np.ones((4, 10), np.int64)
        gt[1:3, t:t + 4] = 300
        gt[0, 9] = 0  # VOID
        pred = np.full((4, 10), 5, np.int64)
        s = shift_last if t == 5 else 0
        pred[1:3, t + s:t + s + 4] = 9
        name = f'{image_id}_gtFine_color.png'
        _id_png(str(truth / name), gt)
        _id_png(str(sub / 'pan_pred' / f'{image_id}.png'), pred)
        images.append(dict(id=image_id, file_name=f'{image_id}_leftImg8bit.png'))
        gt_anns.append(dict(image_id=image_id, file_name=name, segments_info=[
            dict(id=1, category_id=7, iscrowd=0, area=31),
            dict(id=300, category_id=26, iscrowd=0, area=8)]))
        segs = [dict(id=5, category_id=7), dict(id=9, category_id=26)]
        if extra_pred_id:
            segs.append(dict(id=extra_pred_id, category_id=26))
        pred_anns.append(dict(image_id=image_id, segments_info=segs))
    with open(root / 'gt.json', 'w') as f:
        json.dump(dict(images=images, annotations=gt_anns,
                       categories=CATEGORIES), f)
    with open(sub / 'pred.json', 'w') as f:
        json.dump(dict(annotations=pred_anns), f)
    return ['tools/analysis_tools/eval_vpq.py', '--submit-dir', str(sub), '--truth-dir',
            str(truth), '--pan-gt-json-file', str(root / 'gt.json'),
            '--out', str(root / 'res.json')]


def test_perfect_submission(tmp_path):
    proc = run_tool(_write(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert 'mean' in proc.stdout
    res = json.loads((tmp_path / 'res.json').read_text())
    for key in ('vpq_all', 'vpq_thing', 'vpq_stuff', 'vpq_all_k0',
                'vpq_thing_k15'):
        assert res[key] == pytest.approx(100.0), key
    assert res['per_class']['car']['k5'] == pytest.approx(100.0)


def test_one_bad_frame_lowers_short_windows_more(tmp_path):
    # the car of the last frame (8 px) is predicted 3 px off, cut by the
    # border to 4 px: IoU 2 / 10 in that frame
    _eval_vpq_main(_write(tmp_path, shift_last=3))
    res = json.loads((tmp_path / 'res.json').read_text())
    # k=0: 5 perfect frames (TP, IoU 1) and one miss (FP + FN): 5 / 6
    assert res['vpq_thing_k0'] == pytest.approx(100 * 5 / 6)
    # k=15: windows 0-3, 1-4 perfect; 2-5: tube IoU 26 / (32 + 28 - 26)
    assert res['vpq_thing_k15'] == pytest.approx(100 * (2 + 26 / 34) / 3)
    assert res['vpq_thing'] == pytest.approx(
        np.mean([res[f'vpq_thing_k{k}'] for k in (0, 5, 10, 15)]))


def test_json_segment_missing_from_png_is_an_error(tmp_path):
    with pytest.raises(KeyError, match=r'pan_pred.*\[77\]'):
        _eval_vpq_main(_write(tmp_path, extra_pred_id=77))


def test_official_compat_flag(tmp_path, capsys):
    _eval_vpq_main(_write(tmp_path, shift_last=3) + ['--official-compat'])
    assert 'official script compatible' in capsys.readouterr().out
    res = json.loads((tmp_path / 'res.json').read_text())
    assert res['official_compat'] is True
    # the car is listed in every frame from the first: no double counting
    assert res['vpq_thing_k15'] == pytest.approx(100 * (2 + 26 / 34) / 3)


# ------------------------------------------------------- reference algorithm
OFFSET = 1 << 24
CATS4 = [dict(id=7, name='road', isthing=0), dict(id=23, name='sky', isthing=0),
         dict(id=24, name='person', isthing=1),
         dict(id=26, name='car', isthing=1)]


def reference_vpq(videos, categories, official, sizes=(1, 2, 3, 4)):
    """Percent VPQ per k (all/thing/stuff) and the means, segment by segment.

    videos: list of videos, each a list of frames dict(gt, gt_segs, pred,
    pred_segs) with H x W id maps and segments_info lists.
    """
    cats = {c['id']: c for c in categories}
    res = {}
    for n in sizes:
        k = 5 * (n - 1)
        data = copy.deepcopy(videos)  # the records live for one window size
        iou_sum, tp, fp, fn = (defaultdict(float) for _ in range(4))
        for video in data:
            for s in range(len(video) - n + 1):
                window = video[s:s + n]
                gt_stack = np.stack([f['gt'] for f in window])
                pred_stack = np.stack([f['pred'] for f in window])
                vid_gt, vid_pred = {}, {}
                for f in window:
                    segs = {}
                    for el in f['gt_segs']:
                        if not official:
                            el = dict(el)
                        if el['id'] in segs:
                            segs[el['id']]['area'] += el['area']
                        else:
                            segs[el['id']] = el
                    for sid, el in segs.items():
                        if sid not in vid_gt:
                            vid_gt[sid] = el
                        else:
                            vid_gt[sid]['area'] += el['area']
                    for el in f['pred_segs']:
                        vid_pred.setdefault(el['id'], el)
                pairs, counts = np.unique(
                    gt_stack.astype(np.int64) * OFFSET + pred_stack,
                    return_counts=True)
                inter = {(int(p // OFFSET), int(p % OFFSET)): int(c)
                         for p, c in zip(pairs, counts)}

                def area(stack, sid):
                    return int((stack == sid).sum())

                gt_matched, pred_matched = set(), set()
                for (g, p), c in inter.items():
                    if g not in vid_gt or p not in vid_pred:
                        continue
                    if vid_gt[g].get('iscrowd', 0) == 1:
                        continue
                    if vid_gt[g]['category_id'] != vid_pred[p]['category_id']:
                        continue
                    g_area = (vid_gt[g]['area'] if official
                              else area(gt_stack, g))
                    union = (area(pred_stack, p) + g_area - c
                             - inter.get((0, p), 0))
                    iou = c / union
                    if iou > 0.5:
                        cat = vid_gt[g]['category_id']
                        tp[cat] += 1
                        iou_sum[cat] += iou
                        gt_matched.add(g)
                        pred_matched.add(p)
                crowd = defaultdict(list)
                for g, info in vid_gt.items():
                    if g in gt_matched:
                        continue
                    if info.get('iscrowd', 0) == 1:
                        if official:
                            crowd[info['category_id']] = [g]
                        else:
                            crowd[info['category_id']].append(g)
                        continue
                    fn[info['category_id']] += 1
                for p, info in vid_pred.items():
                    if p in pred_matched:
                        continue
                    ignored = inter.get((0, p), 0) + sum(
                        inter.get((g, p), 0)
                        for g in crowd.get(info['category_id'], []))
                    if ignored / area(pred_stack, p) > 0.5:
                        continue
                    fp[info['category_id']] += 1
        for part, sel in (('all', None), ('thing', 1), ('stuff', 0)):
            pqs = []
            for cid, c in cats.items():
                if sel is not None and c['isthing'] != sel:
                    continue
                if tp[cid] + fp[cid] + fn[cid] == 0:
                    continue
                pqs.append(iou_sum[cid] / (tp[cid] + fp[cid] / 2 + fn[cid] / 2))
            res[f'vpq_{part}_k{k}'] = 100 * sum(pqs) / len(pqs)
    for part in ('all', 'thing', 'stuff'):
        res[f'vpq_{part}'] = np.mean([res[f'vpq_{part}_k{5 * (n - 1)}']
                                      for n in sizes])
    return res


def random_videos(rng, n_videos=3, h=10, w=16):
    """Videos with category flips, crowd, void, ids reused across videos,
    segments appearing mid-window, unlisted and pixel-less GT ids."""
    videos = []
    for _ in range(n_videos):
        row = int(rng.integers(3, 7))
        objs = []
        for gid in rng.choice([300, 301, 302, 777000, 5], 3, replace=False):
            start = int(rng.integers(0, 4))
            objs.append(dict(
                gid=int(gid), pid=int(gid) + 40 + int(rng.integers(0, 2)),
                start=start, end=int(rng.integers(start + 1, 7)),
                y=int(rng.integers(0, h - 4)), x=int(rng.integers(0, w - 6)),
                hh=int(rng.integers(3, 5)), ww=int(rng.integers(4, 7)),
                vx=int(rng.integers(-1, 2)),
                switch=int(rng.integers(1, 12)),
                cat=int(rng.choice([24, 26]))))
        frames = []
        for t in range(6):
            r = row + int(rng.integers(-1, 2))
            gt = np.where(np.arange(h)[:, None] < r, 1, 2) * np.ones(
                (1, w), np.int64)
            pred = np.where(np.arange(h)[:, None] < r + int(
                rng.integers(-1, 2)), 11, 12) * np.ones((1, w), np.int64)
            gt_cat, pred_cat = {1: 7, 2: 23}, {11: 7, 12: 23}
            crowd = set()
            if rng.random() < 0.3:
                pred_cat[12] = 7  # a stuff prediction flips class
            for o in objs:
                if not o['start'] <= t < o['end']:
                    continue
                x = int(np.clip(o['x'] + o['vx'] * t, 0, w - o['ww']))
                gt[o['y']:o['y'] + o['hh'], x:x + o['ww']] = o['gid']
                gt_cat[o['gid']] = (o['cat'] if rng.random() > 0.15 else
                                    50 - o['cat'])
                dx, dy = (int(v) for v in rng.integers(-1, 2, 2))
                py = int(np.clip(o['y'] + dy, 0, h - o['hh']))
                px = int(np.clip(x + dx, 0, w - o['ww']))
                pid = o['pid'] + (7 if t >= o['switch'] else 0)
                pred[py:py + o['hh'], px:px + o['ww']] = pid
                pred_cat[pid] = (o['cat'] if rng.random() > 0.15 else
                                 50 - o['cat'])
            for cid, ccat in ((900, 26), (901, 26), (902, 24)):
                if rng.random() < 0.4:
                    y, x = int(rng.integers(0, h - 2)), int(rng.integers(
                        0, w - 3))
                    gt[y:y + 2, x:x + 3] = cid
                    gt_cat[cid] = ccat
                    crowd.add(cid)
            if rng.random() < 0.5:  # a prediction on crowd / void
                y, x = int(rng.integers(0, h - 2)), int(rng.integers(0, w - 3))
                pred[y:y + 2, x:x + 3] = 60
                pred_cat[60] = 26
            gt[0, :int(rng.integers(0, 5))] = 0  # VOID
            gt[h - 1, :int(rng.integers(0, 3))] = 0
            if rng.random() < 0.3:
                gt[h - 1, w - 2:] = 555  # in the PNG, not in the JSON
            pred[rng.random((h, w)) < 0.05] = 0  # unlabelled prediction
            gt_ids, gt_counts = np.unique(gt, return_counts=True)
            gt_segs = [dict(id=int(i), category_id=gt_cat[int(i)],
                            iscrowd=int(int(i) in crowd), area=int(c))
                       for i, c in zip(gt_ids, gt_counts) if i not in (0, 555)]
            if rng.random() < 0.2:  # listed, no pixels
                gt_segs.append(dict(id=444, category_id=26, iscrowd=0,
                                    area=0))
            rng.shuffle(gt_segs)
            pred_segs = [dict(id=int(i), category_id=pred_cat[int(i)])
                         for i in np.unique(pred) if i != 0]
            frames.append(dict(gt=gt, gt_segs=gt_segs, pred=pred,
                               pred_segs=pred_segs))
        videos.append(frames)
    return videos


def write_submission(root, videos, categories=CATS4):
    """Official layout of in-memory videos; returns the evaluator's paths."""
    truth, sub = root / 'gt', root / 'sub'
    os.makedirs(truth, exist_ok=True)
    os.makedirs(sub / 'pan_pred', exist_ok=True)
    images, gt_anns, pred_anns = [], [], []
    for v, video in enumerate(videos):
        for t, f in enumerate(video):
            image_id = f'{v:04d}_{t:04d}_city_000000_{t:06d}'
            name = f'{image_id}_gtFine_color.png'
            _id_png(str(truth / name), f['gt'])
            _id_png(str(sub / 'pan_pred' / f'{image_id}.png'), f['pred'])
            images.append(dict(id=image_id,
                               file_name=f'{image_id}_leftImg8bit.png'))
            gt_anns.append(dict(image_id=image_id, file_name=name,
                                segments_info=f['gt_segs']))
            pred_anns.append(dict(image_id=image_id,
                                  segments_info=f['pred_segs']))
    with open(root / 'gt.json', 'w') as fh:
        json.dump(dict(images=images, annotations=gt_anns,
                       categories=categories), fh)
    with open(sub / 'pred.json', 'w') as fh:
        json.dump(dict(annotations=pred_anns), fh)
    return str(sub), str(truth), str(root / 'gt.json')


def _evaluate(paths, **kwargs):
    from uda_video.evaluation.cityscapes_vps import evaluate_vps_submission
    return evaluate_vps_submission(*paths, **kwargs)


def test_equals_reference_on_random_videos(tmp_path):
    differs = []
    for seed in range(4):
        videos = random_videos(np.random.default_rng(seed))
        paths = write_submission(tmp_path / str(seed), videos)
        res = {}
        for official in (False, True):
            ref = reference_vpq(videos, CATS4, official)
            res[official] = _evaluate(paths, official_compat=official)
            for key, val in ref.items():
                assert res[official][key] == pytest.approx(val, abs=1e-6), (
                    seed, official, key)
            assert 0 < res[official]['vpq_thing'] < 100
            assert 0 < res[official]['vpq_stuff'] < 100
        differs.append(any(abs(res[True][k] - res[False][k]) > 1e-6
                           for k in ref))
    # segments first listed after a window's first frame, two car crowds:
    # the official bookkeeping changes the numbers
    assert sum(differs) >= 2, differs


def _flat(shape=(4, 10)):
    return np.ones(shape, np.int64)


def _frame(gt, gt_segs, pred, pred_segs):
    return dict(gt=gt, pred=pred, pred_segs=pred_segs, gt_segs=[
        dict(id=i, category_id=c, iscrowd=0, area=int((gt == i).sum()))
        for i, c in gt_segs])


def test_double_counting_by_hand(tmp_path):
    # one video of 4 frames, windows of 3 (k=10): [0, 1, 2] and [1, 2, 3].
    # A car (4 px per frame) is first listed at frame 1, predicted perfectly.
    # Window [0, 1, 2]: the record of frame 1 becomes 4 + 4 = 8 (right).
    # Window [1, 2, 3]: that record, already 8, gets 4 + 4 more: 16, not 12;
    # IoU 12 / 16 = 0.75. Car PQ: (1 + 0.75) / 2 against (1 + 1) / 2.
    frames = []
    for t in range(4):
        gt, pred = _flat(), _flat() * 5
        if t >= 1:
            gt[1:3, 2 * t:2 * t + 2] = 300
            pred[1:3, 2 * t:2 * t + 2] = 9
        frames.append(_frame(gt, [(1, 7)] + ([(300, 26)] if t else []), pred,
                             [dict(id=5, category_id=7)] +
                             ([dict(id=9, category_id=26)] if t else [])))
    paths = write_submission(tmp_path, [frames], CATEGORIES)
    kw = dict(ks=(10, ), frames_per_video=4)
    plain, compat = _evaluate(paths, **kw), _evaluate(paths, official_compat=True,
                                                       **kw)
    assert plain['vpq_thing_k10'] == pytest.approx(100.0)
    assert compat['vpq_thing_k10'] == pytest.approx(87.5)
    assert compat['vpq_all'] == pytest.approx((100 + 87.5) / 2)
    ref = reference_vpq([frames], CATEGORIES, official=True, sizes=(3, ))
    assert ref['vpq_thing_k10'] == pytest.approx(87.5)


def _car_tube(pred_id=9, pred_category=lambda t: 26, void=False):
    """Six frames of road (ground truth 1, predicted 5) with a 2 x 4 car
    moving one pixel right a frame: ground-truth segment 300, predicted
    segment ``pred_id`` of category ``pred_category(t)``; ``void`` leaves one
    ground-truth road pixel unlabelled."""
    frames = []
    for t in range(6):
        gt, pred = _flat(), _flat() * 5
        gt[1:3, t:t + 4] = 300
        if void:
            gt[0, 9] = 0
        pred[1:3, t:t + 4] = pred_id
        frames.append(_frame(gt, [(1, 7), (300, 26)], pred, [
            dict(id=5, category_id=7),
            dict(id=pred_id, category_id=pred_category(t))]))
    return frames


def test_category_flip_takes_the_first_frame_of_the_window(tmp_path):
    # the predicted segment 777000 is a car in frames 0-4 and road in frame 5
    frames = _car_tube(pred_id=777000,
                       pred_category=lambda t: 26 if t < 5 else 7, void=True)
    paths = write_submission(tmp_path, [frames], CATEGORIES)
    res = _evaluate(paths, ks=(0, 5))
    # k=0, frame 5: the car is missed (FN) and 777000 is a road FP
    assert res['per_class']['car']['k0'] == pytest.approx(100 * 5 / 5.5)
    assert res['per_class']['road']['k0'] == pytest.approx(100 * 6 / 6.5)
    # k=5, window [4, 5]: 777000 is a car (frame 4) and matches the car tube
    assert res['vpq_thing_k5'] == pytest.approx(100.0)
    assert res['vpq_stuff_k5'] == pytest.approx(100.0)


# ---------------------------------------------------------------- bad input
def _good(tmp_path):
    return _car_tube()


def test_missing_frame_is_named(tmp_path):
    frames = _good(tmp_path)
    sub, truth, gt_json = write_submission(tmp_path, [frames], CATEGORIES)
    image = '0000_0003_city_000000_000003'
    os.remove(f'{sub}/pan_pred/{image}.png')
    with pytest.raises(FileNotFoundError, match=f'{image}.png'):
        _evaluate((sub, truth, gt_json))
    pred = json.load(open(f'{sub}/pred.json'))
    pred['annotations'] = [a for a in pred['annotations']
                           if a['image_id'] != image]
    json.dump(pred, open(f'{sub}/pred.json', 'w'))
    with pytest.raises(KeyError, match=f'no frame {image}'):
        _evaluate((sub, truth, gt_json))


def test_png_segment_missing_from_json_is_named(tmp_path):
    frames = _good(tmp_path)
    frames[2]['pred'][0, 0] = 4242
    paths = write_submission(tmp_path, [frames], CATEGORIES)
    with pytest.raises(KeyError, match=r'0000_0002\S*\.png: segment 4242 is '
                       'in the PNG but not in the segments_info'):
        _evaluate(paths)


def test_unknown_category_is_named(tmp_path):
    frames = _good(tmp_path)
    frames[1]['pred_segs'][1]['category_id'] = 99
    paths = write_submission(tmp_path, [frames], CATEGORIES)
    with pytest.raises(KeyError, match=r'image 0000_0001\S*\): segment 9 has '
                       'unknown category_id 99'):
        _evaluate(paths)


def test_frames_of_different_sizes_are_named(tmp_path):
    frames = _good(tmp_path)
    frames[4]['gt'] = np.ones((4, 12), np.int64)
    frames[4]['pred'] = np.full((4, 12), 5, np.int64)
    frames[4]['pred'][0, 0] = 9
    paths = write_submission(tmp_path, [frames], CATEGORIES)
    with pytest.raises(ValueError, match=r'0000_0004\S*\.png is 4x12 but '
                       r'\S*0000_0000\S* of the same video is 4x10'):
        _evaluate(paths)


def test_official_compat_refuses_what_it_cannot_pair(tmp_path):
    frames = _good(tmp_path)
    sub, truth, gt_json = write_submission(tmp_path, [frames], CATEGORIES)
    pred = json.load(open(f'{sub}/pred.json'))
    pred['annotations'].reverse()  # fine by image id, not by position
    json.dump(pred, open(f'{sub}/pred.json', 'w'))
    assert _evaluate((sub, truth, gt_json))['vpq_all'] == pytest.approx(100)
    with pytest.raises(ValueError, match='by position'):
        _evaluate((sub, truth, gt_json), official_compat=True)
