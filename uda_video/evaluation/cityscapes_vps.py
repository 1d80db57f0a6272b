"""VPQ of a Cityscapes-VPS style submission on disk (backs tools/analysis_tools/eval_vpq.py).

Layout: ``submit_dir/pred.json`` (``annotations``: ``image_id`` and
``segments_info`` with ``id``, ``category_id``) and
``submit_dir/pan_pred/<image id>.png``; ground-truth PNGs in ``truth_dir``
named by the annotation's ``file_name`` of the COCO-panoptic style JSON
(``images``, ``annotations``, ``categories`` with ``isthing``). PNG ids are
RGB-encoded, ``id = R + 256 G + 256^2 B``; id 0 is VOID unless a JSON lists
it. Videos are consecutive groups of ``frames_per_video`` images in the JSON's
image order.

Scoring follows the definition in :mod:`.functional.vpq`, which is the
official evaluator's algorithm: a tube's category and crowd flag come from the
first frame of the window whose JSON lists it (a tracked segment may change
class); ground-truth ids that the window's JSON does not list are neither
scored nor VOID. ``official_compat=True`` reproduces, in addition, the
official script's bookkeeping (docs/datasets.md lists every difference):
ground-truth areas are the JSON ``area`` fields, accumulated into records the
script shares across windows (a segment first listed after a window's first
frame is counted again in later windows, k >= 10); one crowd region per
category (the last listed) excuses false positives; videos are
``numpy.array_split`` groups of the annotation list.
"""
import json
import os.path as osp
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from .functional.vpq import (IGNORE, VOID, joint_histogram, merge_pair_counts,
                             pq_from_stat, pq_stat_from_intersections,
                             vpq_results)

VOID_ID = 0


def read_id_png(path: str) -> np.ndarray:
    """Read an RGB-encoded panoptic PNG as H x W uint32 ids.

    The decoder writes RGB plus a zero alpha byte per pixel, read as one
    little-endian 32-bit word: ``R + 256 G + 256^2 B`` without another pass.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'panoptic PNG not found: {path}')
    with Image.open(path) as img:
        if img.mode not in ('RGB', 'RGBA'):
            img = img.convert('RGB')
        img.putalpha(0)
        return np.asarray(img).view('<u4')[..., 0]


def _load_json(path: str, keys: Sequence[str]) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'JSON file not found: {path}')
    with open(path) as f:
        data = json.load(f)
    missing = [k for k in keys if k not in data]
    if missing:
        raise KeyError(f'{path} lacks the keys {missing}')
    return data


def _progress(total: int):
    if not sys.stdout.isatty():
        return None
    from mmengine.utils import ProgressBar
    return ProgressBar(total)


def _gt_name(image: dict) -> str:
    """Ground-truth PNG name the official script derives from an image."""
    return image['file_name'].replace('_newImg8bit.png',
                                      '_final_mask.png').replace(
                                          '_leftImg8bit.png',
                                          '_gtFine_color.png')


class _FrameInfo:
    """Segments one frame's JSONs list, in JSON order (first entry wins).

    Attributes:
        gt: ``{id: (category index or IGNORE, crowd)}``.
        gt_entries: ``[(id, JSON area or None)]`` every entry, duplicates too.
        pred: ``{id: category index}``.
    """

    def __init__(self, gt_segments: Sequence[dict],
                 pred_segments: Sequence[dict], cat_index: Dict[int, int],
                 gt_where: str, pred_where: str) -> None:
        self.gt: Dict[int, Tuple[int, bool]] = OrderedDict()
        self.gt_entries: List[Tuple[int, Optional[float]]] = []
        self.pred: Dict[int, int] = OrderedDict()
        for seg in gt_segments:
            sid = _segment_id(seg, gt_where)
            cat = cat_index.get(seg.get('category_id'), IGNORE)
            self.gt.setdefault(sid, (cat, bool(seg.get('iscrowd', 0))))
            self.gt_entries.append((sid, seg.get('area')))
        for seg in pred_segments:
            sid = _segment_id(seg, pred_where)
            cid = seg.get('category_id')
            if cid not in cat_index:
                raise KeyError(f'{pred_where}: segment {sid} has unknown '
                               f'category_id {cid!r} (known: '
                               f'{sorted(cat_index)})')
            self.pred.setdefault(sid, cat_index[cid])


def _segment_id(seg: dict, where: str) -> int:
    if 'id' not in seg:
        raise KeyError(f'{where}: a segments_info entry has no id: {seg}')
    return int(seg['id'])


def _window_table(infos: Sequence[_FrameInfo], side: str) -> OrderedDict:
    """``{id: info}`` of a window, from the first frame listing each id."""
    table = OrderedDict()
    for info in infos:
        for sid, val in getattr(info, side).items():
            table.setdefault(sid, val)
    return table


def official_gt_areas(entries: Sequence[Sequence[Tuple[int, float]]],
                      size: int) -> List[Dict[int, float]]:
    """Ground-truth tube areas as the official script reads them.

    The script keeps one record per segment entry of each frame's JSON and,
    window after window, adds into the record of the segment's first frame in
    the window the areas of its later frames (and of duplicate entries of a
    frame); the records persist across the windows of one size, so a record
    reused by a later window carries the areas it was given before.

    Args:
        entries: per frame of a video, its ``(id, JSON area)`` entries in order.
        size: window size (frames).

    Returns:
        per window start, ``{id: area}`` of the window's listed ids.
    """
    record, dups = [], []
    for frame in entries:
        rec, dup = OrderedDict(), []
        for sid, area in frame:
            if sid in rec:
                dup.append((sid, area))
            else:
                rec[sid] = area
        record.append(rec)
        dups.append(dup)
    out = []
    for start in range(len(entries) - size + 1):
        frames = range(start, start + size)
        for f in frames:
            for sid, area in dups[f]:
                record[f][sid] += area
        owner: Dict[int, int] = OrderedDict()
        for f in frames:
            for sid in record[f]:
                if sid in owner:
                    record[owner[sid]][sid] += record[f][sid]
                else:
                    owner[sid] = f
        out.append({sid: record[f][sid] for sid, f in owner.items()})
    return out


def _video_stats(frames, infos: Sequence[_FrameInfo], window_sizes,
                 num_classes: int, official_compat: bool,
                 where: str) -> np.ndarray:
    """len(window_sizes) x 4 x C statistics of one video."""
    out = np.zeros((len(window_sizes), 4, num_classes))
    for w, size in enumerate(window_sizes):
        if size < 1:
            raise ValueError(f'window size must be >= 1, got {size}')
        areas = (official_gt_areas([i.gt_entries for i in infos], size)
                 if official_compat else None)
        for start in range(len(frames) - size + 1):
            window = infos[start:start + size]
            gt_info = _window_table(window, 'gt')
            pred_info = _window_table(window, 'pred')
            gt_u, pred_u, inter = merge_pair_counts(frames[start:start + size])
            absent = np.setdiff1d(np.fromiter(gt_info, np.int64, len(gt_info)),
                                  gt_u)
            if absent.size:  # listed segments without pixels: rows of zeros
                gt_u = np.concatenate([gt_u, absent])
                inter = np.concatenate(
                    [inter, np.zeros((absent.size, inter.shape[1]))])
            unlisted = (VOID, False)
            gt_cat = np.array([
                gt_info.get(int(i), unlisted if i == VOID_ID else
                            (IGNORE, False))[0] for i in gt_u
            ], np.int64)
            gt_crowd = np.array(
                [gt_info.get(int(i), (0, False))[1] for i in gt_u], bool)
            pred_cat = np.array(
                [pred_info.get(int(i), VOID) for i in pred_u], np.int64)
            gt_area = fp_crowd = None
            if official_compat:
                gt_area = inter.sum(1)
                for r, sid in enumerate(gt_u.tolist()):
                    if sid in gt_info:
                        gt_area[r] = areas[start][sid]
                last = {}  # the script keeps one crowd id per category
                for sid, (cat, crowd) in gt_info.items():
                    if crowd:
                        last[cat] = sid
                fp_crowd = np.isin(gt_u, list(last.values()))
            try:
                out[w] += pq_stat_from_intersections(
                    inter, gt_cat, gt_crowd, pred_cat, num_classes,
                    gt_void=gt_u == VOID_ID, gt_area=gt_area,
                    fp_crowd=fp_crowd)
            except ValueError as e:
                raise ValueError(f'{where}, window of {size} frames from '
                                 f'frame {start}: {e}') from None
    return out


def _videos(gt: dict, pred: dict, gt_json_file: str, pred_file: str,
            frames_per_video: int, official_compat: bool):
    """Lists of (image, gt annotation, pred annotation, gt PNG name)."""
    images = gt['images']
    gt_anns = {a['image_id']: a for a in gt['annotations']}
    pred_anns = {}
    for a in pred['annotations']:
        if 'image_id' not in a:
            raise KeyError(f'{pred_file}: an annotation has no image_id')
        if a['image_id'] in pred_anns:
            raise ValueError(f'{pred_file}: image {a["image_id"]} has two '
                             'annotations')
        pred_anns[a['image_id']] = a
    frames = []
    for image in images:
        image_id = image['id']
        if image_id not in gt_anns:
            raise KeyError(f'{gt_json_file}: no annotation for image '
                           f'{image_id}')
        if image_id not in pred_anns:
            raise KeyError(f'{pred_file}: the submission has no frame '
                           f'{image_id} (no annotation for it)')
        gt_ann = gt_anns[image_id]
        name = (_gt_name(image) if official_compat else
                gt_ann.get('file_name') or _gt_name(image))
        frames.append((image, gt_ann, pred_anns[image_id], name))
    if not official_compat:
        if len(images) % frames_per_video:
            raise ValueError(f'{gt_json_file}: {len(images)} images are not '
                             f'groups of {frames_per_video} frames')
        return [frames[i:i + frames_per_video]
                for i in range(0, len(frames), frames_per_video)]
    # the official script pairs annotations, images, PNGs by list position
    # and reads the ground-truth PNGs in sorted name order
    n = len(gt['annotations'])
    order = [(i, a.get('image_id')) for i, a in enumerate(gt['annotations'])]
    problems = []
    if n != len(images) or len(pred['annotations']) != n:
        problems.append(f'{n} ground-truth annotations, {len(images)} '
                        f'images, {len(pred["annotations"])} predictions')
    else:
        for i, image_id in order:
            if (images[i]['id'] != image_id
                    or pred['annotations'][i]['image_id'] != image_id):
                problems.append(f'position {i}: image {images[i]["id"]}, '
                                f'ground truth {image_id}, prediction '
                                f'{pred["annotations"][i]["image_id"]}')
                break
        names = [f[3] for f in frames]
        if names != sorted(names):
            problems.append('ground-truth PNG names derived from the images '
                            'are not in sorted order')
    if problems:
        raise ValueError(
            'official_compat: the official script pairs the annotations of '
            f'{gt_json_file} and {pred_file}, the images and the sorted '
            'ground-truth PNGs by position, which these files do not allow '
            f'({"; ".join(problems)}); evaluate without official_compat')
    if n < frames_per_video:
        raise ValueError(f'{gt_json_file}: {n} annotations, fewer than one '
                         f'video of {frames_per_video} frames')
    bounds = np.cumsum([0] + [
        len(c) for c in np.array_split(np.arange(n), n // frames_per_video)
    ])
    return [frames[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def evaluate_vps_submission(submit_dir: str,
                            truth_dir: str,
                            gt_json_file: str,
                            ks: Sequence[int] = (0, 5, 10, 15),
                            frame_interval: int = 5,
                            frames_per_video: int = 6,
                            official_compat: bool = False,
                            num_workers: int = 1) -> dict:
    """VPQ of a submission; streams one video at a time.

    Args:
        official_compat: reproduce the official script's numbers exactly,
            including its ground-truth area bookkeeping (module docstring).
        num_workers: threads decoding a video's PNGs (the decoder releases
            the GIL); 1 decodes in the calling thread.

    Returns:
        dict with ``vpq_all``, ``vpq_thing``, ``vpq_stuff`` (percent, means
        over k), the same per k (``vpq_all_k0``...), ``per_class``:
        ``{category name: {k: PQ percent or None}}`` and ``official_compat``.
    """
    gt = _load_json(gt_json_file, ('images', 'annotations', 'categories'))
    pred_file = osp.join(submit_dir, 'pred.json')
    pred = _load_json(pred_file, ('annotations', ))
    categories = gt['categories']
    cat_index = {c['id']: i for i, c in enumerate(categories)}
    is_thing = np.array([bool(c.get('isthing', 0)) for c in categories])
    window_sizes = [k // frame_interval + 1 for k in ks]
    stats = np.zeros((len(ks), 4, len(categories)))
    videos = _videos(gt, pred, gt_json_file, pred_file, frames_per_video,
                     official_compat)
    bar = _progress(len(videos))
    pool = ThreadPoolExecutor(num_workers) if num_workers > 1 else None
    for video in videos:
        infos, frames, shape = [], [], None
        paths = [(osp.join(truth_dir, f[3]),
                  osp.join(submit_dir, 'pan_pred', f'{f[0]["id"]}.png'))
                 for f in video]
        flat = [p for pair in paths for p in pair]
        decoded = iter(pool.map(read_id_png, flat) if pool else map(
            read_id_png, flat))
        for (image, gt_ann, pred_ann, _), (gt_path, pred_path) in zip(
                video, paths):
            image_id = image['id']
            info = _FrameInfo(gt_ann.get('segments_info', []),
                              pred_ann.get('segments_info', []), cat_index,
                              gt_path, f'{pred_file} (image {image_id})')
            if official_compat:
                no_area = [s for s, a in info.gt_entries if a is None]
                if no_area:
                    raise KeyError(f'{gt_json_file}: segments {no_area} of '
                                   f'image {image_id} have no area, which '
                                   'official_compat reads')
            gt_ids, pred_ids = next(decoded), next(decoded)
            for path, ids in ((gt_path, gt_ids), (pred_path, pred_ids)):
                if shape is None:
                    shape, first = ids.shape, path
                elif ids.shape != shape:
                    raise ValueError(
                        f'{path} is {ids.shape[0]}x{ids.shape[1]} but '
                        f'{first} of the same video is {shape[0]}x{shape[1]}'
                        ': every frame of a video must have one size')
            hist = joint_histogram(gt_ids, pred_ids)
            present = np.unique(hist[1])
            listed = np.fromiter(info.pred, np.int64, len(info.pred))
            unknown = np.setdiff1d(present, np.append(listed, VOID_ID))
            if unknown.size:
                raise KeyError(f'{pred_path}: segment {int(unknown[0])} is in '
                               'the PNG but not in the segments_info of '
                               f'{pred_file} (all such ids: '
                               f'{unknown[:10].tolist()})')
            absent = np.setdiff1d(listed, present)
            if absent.size:
                raise KeyError(f'{pred_path}: segments {absent.tolist()} of '
                               'pred.json are not in the PNG')
            infos.append(info)
            frames.append(hist)
        stats += _video_stats(frames, infos, window_sizes, len(categories),
                              official_compat,
                              f'video of image {video[0][0]["id"]}')
        if bar is not None:
            bar.update()
    if pool is not None:
        pool.shutdown()
    out = vpq_results(stats, ks, is_thing)
    out['per_class'] = {
        c.get('name', str(c['id'])): {
            f'k{k}': (None if np.isnan(v) else 100.0 * float(v))
            for k, v in zip(ks, pq_col)
        }
        for c, pq_col in zip(categories,
                             np.stack([pq_from_stat(s) for s in stats], 1))
    }
    out['official_compat'] = bool(official_compat)
    return out
