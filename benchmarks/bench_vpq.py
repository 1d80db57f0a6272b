"""VPQ evaluation speed: vectorized uda_video VPQ vs per-segment baselines.

    python benchmarks/bench_vpq.py [--videos 2] [--height 1024] [--width 2048]
    python benchmarks/bench_vpq.py --submission [--videos 100] [--data-dir D]

``--submission``: a Cityscapes-VPS val-like split (``--videos`` videos of 6
annotated frames at ``--height`` x ``--width``; pred.json, pan_pred/, the
ground-truth JSON and PNGs, with category flips and crowd) is written to
``--data-dir`` (kept, reused when present), then, in this process and one
after the other: decoding every PNG alone (one thread);
``evaluate_vps_submission`` in both modes (one thread, its default) and
with two decoding threads; ``official_algorithm``, an in-process re-implementation of the
official evaluator's data flow (every mask loaded up front, the split deep
copied per window size, per window a stacked ``np.unique`` and loops over
segment records). Prints times (the fastest of ``--repeats`` runs, the
official algorithm run once), ratios, peak traced memory (tracemalloc, on
for every step) and whether the official numbers equal the
``official_compat`` ones.

Without ``--submission``:

Synthetic Cityscapes-like videos (6 annotated frames, 19 classes, moving thing
tubes, VOID and crowd regions, imperfect predictions with id switches) are
built in memory; both implementations compute the PQ statistics of every
window (k = 0, 5, 10, 15) of every video. The baseline stacks each window and
loops over its ground-truth and predicted segments with masks. Prints both
times, their ratio, and checks the statistics are identical. A Cityscapes-VPS
val-sized split is ``--videos 100``; the default, 2 videos at full
resolution, runs in well under 2 minutes on a laptop CPU.
"""
import argparse
import copy
import json
import os
import sys
import time
import tracemalloc
from collections import defaultdict
from os import path as osp

import numpy as np
from PIL import Image

from uda_video.evaluation.functional import (
    encoded_segment_table, joint_histogram, video_pq_stats, vpq_results)

NUM_CLASSES = 19
IS_THING = np.zeros(NUM_CLASSES, bool)
IS_THING[11:] = True
DIV, VOID_CLASS = 1000, 255
WINDOWS = (1, 2, 3, 4)
KS = (0, 5, 10, 15)


def synthetic_video(rng: np.random.Generator, frames: int, h: int, w: int):
    """(gt frames, pred frames): lists of H x W int64 panoptic id maps."""
    bands = np.sort(rng.choice(np.arange(1, h), 6, replace=False))
    stuff_cls = rng.choice(11, 7, replace=False)
    rows = np.searchsorted(bands, np.arange(h), side='right')
    base = np.repeat((stuff_cls[rows] * DIV)[:, None], w, 1)
    objs = []
    for track in range(1, 13):
        cls = int(rng.integers(11, 19))
        oh, ow = int(rng.integers(h // 16, h // 4)), int(rng.integers(
            w // 16, w // 4))
        y, x = int(rng.integers(0, h - oh)), int(rng.integers(0, w - ow))
        vy, vx = rng.integers(-h // 40 - 1, h // 40 + 2, 2)
        shift = rng.integers(-oh // 2, oh // 2 + 1, 2)  # prediction error
        switch = int(rng.integers(0, frames * 2))  # frame of an id switch
        # some tracks enter after the first frame (mid-window segments)
        appear = int(rng.integers(1, frames)) if rng.random() < 0.4 else 0
        objs.append((cls, track, oh, ow, y, x, vy, vx, shift, switch, appear))
    gts, preds = [], []
    for t in range(frames):
        gt, pred = base.copy(), base.copy()
        off = int(rng.integers(-h // 50 - 1, h // 50 + 2))
        pred = np.roll(pred, off, axis=0)
        for cls, track, oh, ow, y, x, vy, vx, shift, switch, appear in objs:
            if t < appear:
                continue
            yy = int(np.clip(y + vy * t, 0, h - oh))
            xx = int(np.clip(x + vx * t, 0, w - ow))
            gt[yy:yy + oh, xx:xx + ow] = cls * DIV + track
            py = int(np.clip(yy + shift[0], 0, h - oh))
            px = int(np.clip(xx + shift[1], 0, w - ow))
            pid = track + (50 if t >= switch else 0)
            pred[py:py + oh, px:px + ow] = cls * DIV + pid
        gt[:h // 10, :w // 8] = VOID_CLASS * DIV  # void corner
        gt[-h // 8:, -w // 6:] = 13 * DIV  # crowd of cars
        fy, fx = int(rng.integers(0, h - h // 10)), int(rng.integers(
            0, w - w // 10))
        pred[fy:fy + h // 10, fx:fx + w // 10] = 12 * DIV + 99  # spurious
        gts.append(gt)
        preds.append(pred)
    return gts, preds


def vectorized_stats(gts, preds) -> np.ndarray:
    """The project's implementation: one joint histogram per frame."""
    frames = [joint_histogram(g, p) for g, p in zip(gts, preds)]

    def gt_table(ids):
        return encoded_segment_table(ids, IS_THING, DIV, VOID_CLASS)

    def pred_table(ids):
        return encoded_segment_table(ids, np.zeros_like(IS_THING), DIV,
                                     VOID_CLASS)[0]

    return video_pq_stats(frames, WINDOWS, gt_table, pred_table, NUM_CLASSES)


def baseline_stats(gts, preds) -> np.ndarray:
    """Straightforward: per window, stack frames and loop over segments."""
    out = np.zeros((len(WINDOWS), 4, NUM_CLASSES))
    for w, size in enumerate(WINDOWS):
        for start in range(len(gts) - size + 1):
            gt = np.stack(gts[start:start + size])
            pred = np.stack(preds[start:start + size])
            void = gt // DIV == VOID_CLASS
            pred_info = {}
            for p in np.unique(pred):
                if p // DIV == VOID_CLASS:
                    continue
                mask = pred == p
                pred_info[p] = dict(area=int(mask.sum()),
                                    void=int((mask & void).sum()))
            matched_pred = set()
            crowd = {}
            for g in np.unique(gt):
                cat = g // DIV
                if cat == VOID_CLASS:
                    continue
                if IS_THING[cat] and g % DIV == 0:
                    crowd[cat] = g
                    continue
                gmask = gt == g
                area = int(gmask.sum())
                ids, inter = np.unique(pred[gmask], return_counts=True)
                matched = False
                for p, n in zip(ids, inter):
                    if p not in pred_info or p // DIV != cat:
                        continue
                    iou = n / (area + pred_info[p]['area'] - n -
                               pred_info[p]['void'])
                    if iou > 0.5:
                        out[w, 0, cat] += 1
                        out[w, 3, cat] += iou
                        matched_pred.add(p)
                        matched = True
                if not matched:
                    out[w, 2, cat] += 1
            for p, info in pred_info.items():
                if p in matched_pred:
                    continue
                cat = p // DIV
                ignored = info['void']
                if cat in crowd:
                    ignored += int(((pred == p) & (gt == crowd[cat])).sum())
                if ignored > 0.5 * info['area']:
                    continue
                out[w, 1, cat] += 1
    return out


# ------------------------------------------------- on-disk submission mode
def _png(path: str, ids: np.ndarray) -> None:
    ids = ids.astype(np.uint32)
    rgb = np.stack([ids & 255, (ids >> 8) & 255, (ids >> 16) & 255], -1)
    Image.fromarray(rgb.astype(np.uint8)).save(path)


def write_split(root: str, videos: int, h: int, w: int, seed: int) -> None:
    """Cityscapes-VPS layout: gt.json, gt/*.png, sub/pred.json, sub/pan_pred."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'gt'), exist_ok=True)
    os.makedirs(osp.join(root, 'sub', 'pan_pred'), exist_ok=True)
    images, gt_anns, pred_anns = [], [], []
    for v in range(videos):
        gts, preds = synthetic_video(rng, 6, h, w)
        for t, (gt, pred) in enumerate(zip(gts, preds)):
            image_id = f'{v:04d}_{5 * t:04d}_city_000000_{t:06d}'
            gt = np.where(gt // DIV == VOID_CLASS, 0, gt + 1)  # id 0: VOID
            pred = pred + 1
            name = f'{image_id}_gtFine_color.png'
            _png(osp.join(root, 'gt', name), gt)
            _png(osp.join(root, 'sub', 'pan_pred', f'{image_id}.png'), pred)
            segs = []
            for i, n in zip(*np.unique(gt, return_counts=True)):
                if i == 0:
                    continue
                cat = int(i - 1) // DIV
                if IS_THING[cat] and rng.random() < 0.05:
                    cat = int(rng.integers(11, NUM_CLASSES))  # class flip
                segs.append(dict(id=int(i), category_id=cat, area=int(n),
                                 iscrowd=int(IS_THING[cat]
                                             and (i - 1) % DIV == 0)))
            psegs = []
            for i in np.unique(pred):
                cat = int(i - 1) // DIV
                if IS_THING[cat] and rng.random() < 0.1:
                    cat = int(rng.integers(11, NUM_CLASSES))
                psegs.append(dict(id=int(i), category_id=cat))
            images.append(dict(id=image_id,
                               file_name=f'{image_id}_leftImg8bit.png'))
            gt_anns.append(dict(image_id=image_id, file_name=name,
                                segments_info=segs))
            pred_anns.append(dict(image_id=image_id, segments_info=psegs))
    cats = [dict(id=c, name=f'class{c}', isthing=int(IS_THING[c]))
            for c in range(NUM_CLASSES)]
    with open(osp.join(root, 'gt.json'), 'w') as f:
        json.dump(dict(images=images, annotations=gt_anns, categories=cats),
                  f)
    with open(osp.join(root, 'sub', 'pred.json'), 'w') as f:
        json.dump(dict(annotations=pred_anns), f)


def _official_window(window, categories, stat) -> None:
    """One window of the official algorithm, records mutated in place."""
    offset = 256 * 256 * 256
    pans_gt, pans_pred, gt_recs, pred_recs = [], [], [], []
    for gt_ann, pred_ann, gt_png, pred_png in window:
        gt_png, pred_png = np.uint32(gt_png), np.uint32(pred_png)
        pan_gt = gt_png[..., 0] + gt_png[..., 1] * 256 + gt_png[..., 2] * 65536
        pan_pred = (pred_png[..., 0] + pred_png[..., 1] * 256 +
                    pred_png[..., 2] * 65536)
        gt_rec = {}
        for seg in gt_ann['segments_info']:
            if seg['id'] in gt_rec:
                gt_rec[seg['id']]['area'] += seg['area']
            else:
                gt_rec[seg['id']] = seg
        pred_rec = {}
        for seg in pred_ann['segments_info']:
            pred_rec.setdefault(seg['id'], seg)
        listed = set(pred_rec)
        for i, n in zip(*np.unique(pan_pred, return_counts=True)):
            if i not in pred_rec:
                if i == 0:
                    continue
                raise KeyError(f'segment {i} in the PNG, not in the JSON')
            pred_rec[i]['area'] = n
            listed.discard(i)
            if pred_rec[i]['category_id'] not in categories:
                raise KeyError(f'unknown category of segment {i}')
        if listed:
            raise KeyError(f'segments {sorted(listed)} not in the PNG')
        pans_gt.append(pan_gt)
        pans_pred.append(pan_pred)
        gt_recs.append(gt_rec)
        pred_recs.append(pred_rec)
    vid_gt, vid_pred = {}, {}
    for gt_rec, pred_rec in zip(gt_recs, pred_recs):
        for recs, vid in ((gt_rec, vid_gt), (pred_rec, vid_pred)):
            for i, seg in recs.items():
                if i in vid:
                    vid[i]['area'] += seg['area']
                else:
                    vid[i] = seg
    joint = (np.stack(pans_gt).astype(np.uint64) * offset +
             np.stack(pans_pred).astype(np.uint64))
    inter = {}
    for label, n in zip(*np.unique(joint, return_counts=True)):
        inter[(int(label // offset), int(label % offset))] = int(n)
    gt_hit, pred_hit = set(), set()
    for (g, p), n in inter.items():
        if g not in vid_gt or p not in vid_pred or vid_gt[g]['iscrowd'] == 1:
            continue
        if vid_gt[g]['category_id'] != vid_pred[p]['category_id']:
            continue
        union = (vid_pred[p]['area'] + vid_gt[g]['area'] - n -
                 inter.get((0, p), 0))
        iou = n / union
        if iou > 0.5:
            s = stat[vid_gt[g]['category_id']]
            s[0] += 1
            s[3] += iou
            gt_hit.add(g)
            pred_hit.add(p)
    crowd = {}
    for g, seg in vid_gt.items():
        if g in gt_hit:
            continue
        if seg['iscrowd'] == 1:
            crowd[seg['category_id']] = g
            continue
        stat[seg['category_id']][2] += 1
    for p, seg in vid_pred.items():
        if p in pred_hit:
            continue
        on_void = inter.get((0, p), 0)
        if seg['category_id'] in crowd:
            on_void += inter.get((crowd[seg['category_id']], p), 0)
        if on_void / seg['area'] > 0.5:
            continue
        stat[seg['category_id']][1] += 1


def official_algorithm(submit_dir: str, truth_dir: str, gt_json_file: str,
                       frames_per_video: int = 6) -> dict:
    """The official evaluator's algorithm and data flow, in process.

    Returns:
        ``vpq_{all,thing,stuff}`` and ``..._k{k}`` in percent.
    """
    with open(gt_json_file) as f:
        gt = json.load(f)
    with open(osp.join(submit_dir, 'pred.json')) as f:
        pred = json.load(f)
    categories = {c['id']: c for c in gt['categories']}
    names = sorted(
        i['file_name'].replace('_leftImg8bit.png', '_gtFine_color.png')
        for i in gt['images'])
    gt_pngs = [np.array(Image.open(osp.join(truth_dir, n))) for n in names]
    pred_pngs = [
        np.array(Image.open(osp.join(submit_dir, 'pan_pred', f"{i['id']}.png")))
        for i in gt['images']
    ]
    frames = list(zip(gt['annotations'], pred['annotations'], gt_pngs,
                      pred_pngs))
    n = len(frames)
    sizes = [len(c) for c in np.array_split(np.arange(n),
                                            n // frames_per_video)]
    bounds = np.cumsum([0] + sizes)
    split = [frames[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    res = {}
    for nframes in (1, 2, 3, 4):
        split_k = copy.deepcopy(split)  # masks included, as the script does
        stat = defaultdict(lambda: [0, 0, 0, 0.0])  # tp, fp, fn, iou
        for video in split_k:
            for s in range(len(video) - nframes + 1):
                _official_window(video[s:s + nframes], categories, stat)
        del split_k
        k = 5 * (nframes - 1)
        for part, sel in (('all', None), ('thing', 1), ('stuff', 0)):
            pq, m = 0.0, 0
            for cid, c in categories.items():
                if sel is not None and c['isthing'] != sel:
                    continue
                tp, fp, fn, iou = stat[cid]
                if tp + fp + fn:
                    pq += iou / (tp + 0.5 * fp + 0.5 * fn)
                    m += 1
            res[f'vpq_{part}_k{k}'] = 100 * pq / m
    for part in ('all', 'thing', 'stuff'):
        res[f'vpq_{part}'] = sum(res[f'vpq_{part}_k{k}']
                                 for k in KS) / len(KS)
    return res


def _measure(fn, *args, repeats: int = 1, **kwargs):
    """(result, fastest seconds, peak traced MiB) of ``repeats`` calls."""
    best, peak = float('inf'), 0.0
    for _ in range(repeats):
        tracemalloc.start()
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
        peak = max(peak, tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return out, best, peak


def _decode_all(root: str) -> int:
    n = 0
    for folder in (osp.join(root, 'gt'), osp.join(root, 'sub', 'pan_pred')):
        for name in sorted(os.listdir(folder)):
            with Image.open(osp.join(folder, name)) as img:
                n += np.asarray(img).shape[0]
    return n


def submission_main(args) -> dict:
    from uda_video.evaluation.cityscapes_vps import evaluate_vps_submission
    root = args.data_dir or osp.join('work_dirs', 'bench_vpq',
                                     f'{args.videos}x{args.height}x'
                                     f'{args.width}')
    if not osp.isfile(osp.join(root, 'sub', 'pred.json')):
        t0 = time.perf_counter()
        write_split(root, args.videos, args.height, args.width, args.seed)
        print(f'wrote the split to {root} in {time.perf_counter() - t0:.0f} s',
              flush=True)
    paths = (osp.join(root, 'sub'), osp.join(root, 'gt'),
             osp.join(root, 'gt.json'))
    rep = args.repeats
    _, t_dec, m_dec = _measure(_decode_all, root, repeats=rep)
    ours, t_ours, m_ours = _measure(evaluate_vps_submission, *paths,
                                    repeats=rep)
    _, t_two, m_two = _measure(evaluate_vps_submission, *paths,
                               num_workers=2, repeats=rep)
    compat, t_compat, m_compat = _measure(evaluate_vps_submission, *paths,
                                          official_compat=True, repeats=rep)
    ref, t_off, m_off = _measure(official_algorithm, *paths)
    keys = sorted(ref)
    identical = all(abs(ref[k] - compat[k]) < 1e-9 for k in keys)
    return dict(
        videos=args.videos, size=[args.height, args.width], data_dir=root,
        decode_s=round(t_dec, 2), ours_s=round(t_ours, 2),
        ours_2_threads_s=round(t_two, 2),
        ours_compat_s=round(t_compat, 2), official_s=round(t_off, 2),
        speedup_vs_official=round(t_off / t_compat, 1),
        ours_over_decode=round(t_ours / t_dec, 2),
        compat_over_decode=round(t_compat / t_dec, 2),
        peak_mib=dict(decode=round(m_dec), ours=round(m_ours),
                      ours_2_threads=round(m_two),
                      ours_compat=round(m_compat), official=round(m_off)),
        identical=identical,
        official={k: round(ref[k], 4) for k in keys},
        ours_compat={k: round(compat[k], 4) for k in keys},
        ours_definition={k: round(ours[k], 4) for k in keys})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', type=int, default=2)
    parser.add_argument('--frames', type=int, default=6)
    parser.add_argument('--height', type=int, default=1024)
    parser.add_argument('--width', type=int, default=2048)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='write the numbers as JSON here')
    parser.add_argument('--submission', action='store_true',
                        help='on-disk split against the official algorithm')
    parser.add_argument('--data-dir', help='(--submission) where the split '
                        'is written / read')
    parser.add_argument('--repeats', type=int, default=3,
                        help='(--submission) fastest of N runs of the decoding '
                        'and of each of our evaluations (the official '
                        'algorithm runs once)')
    args = parser.parse_args()
    if args.submission:
        result = submission_main(args)
        print(json.dumps(result, indent=1))
        if args.out:
            with open(args.out, 'w') as f:
                json.dump(result, f, indent=1)
        if not result['identical']:
            sys.exit('the official and official_compat numbers differ')
        return
    rng = np.random.default_rng(args.seed)
    t_vec = t_base = 0.0
    s_vec = np.zeros((len(WINDOWS), 4, NUM_CLASSES))
    s_base = np.zeros_like(s_vec)
    for _ in range(args.videos):  # one video in memory at a time
        gts, preds = synthetic_video(rng, args.frames, args.height, args.width)
        t0 = time.perf_counter()
        s_vec += vectorized_stats(gts, preds)
        t1 = time.perf_counter()
        s_base += baseline_stats(gts, preds)
        t2 = time.perf_counter()
        t_vec += t1 - t0
        t_base += t2 - t1
    identical = bool(
        np.array_equal(s_vec[:, :3], s_base[:, :3])
        and np.allclose(s_vec[:, 3], s_base[:, 3], rtol=0, atol=1e-9))
    res_vec, res_base = (vpq_results(s, KS, IS_THING) for s in (s_vec, s_base))
    result = dict(
        videos=args.videos, frames=args.frames,
        size=[args.height, args.width], baseline_s=round(t_base, 3),
        vectorized_s=round(t_vec, 3), speedup=round(t_base / t_vec, 2),
        identical=identical, vpq_all=res_vec['vpq_all'],
        vpq_all_baseline=res_base['vpq_all'])
    print(json.dumps(result, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
    if not identical:
        sys.exit('the vectorized and baseline statistics differ')


if __name__ == '__main__':
    main()
