"""VPQ evaluation speed: vectorized uda_video VPQ vs a per-segment loop baseline.

    python benchmarks/bench_vpq.py [--videos 2] [--height 1024] [--width 2048]

Synthetic Cityscapes-like videos (6 annotated frames, 19 classes, moving thing
tubes, VOID and crowd regions, imperfect predictions with id switches) are
built in memory; both implementations compute the PQ statistics of every
window (k = 0, 5, 10, 15) of every video. The baseline stacks each window and
loops over its ground-truth and predicted segments with masks. Prints both
times, their ratio, and checks the statistics are identical. A Cityscapes-VPS
val-sized split is ``--videos 100`` (the default, 2 videos at full
resolution, runs in well under 2 minutes on a laptop CPU).
"""
import argparse
import json
import sys
import time
from os import path as osp

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from uda_video.evaluation.functional import (  # noqa: E402
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
        objs.append((cls, track, oh, ow, y, x, vy, vx, shift, switch))
    gts, preds = [], []
    for t in range(frames):
        gt, pred = base.copy(), base.copy()
        off = int(rng.integers(-h // 50 - 1, h // 50 + 2))
        pred = np.roll(pred, off, axis=0)
        for cls, track, oh, ow, y, x, vy, vx, shift, switch in objs:
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', type=int, default=2)
    parser.add_argument('--frames', type=int, default=6)
    parser.add_argument('--height', type=int, default=1024)
    parser.add_argument('--width', type=int, default=2048)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='write the numbers as JSON here')
    args = parser.parse_args()
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
