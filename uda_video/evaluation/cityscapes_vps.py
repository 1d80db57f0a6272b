"""VPQ of a Cityscapes-VPS style submission on disk (backs tools/eval_vpq.py).

Layout: ``submit_dir/pred.json`` (``annotations``: ``image_id`` and
``segments_info`` with ``id``, ``category_id``) and
``submit_dir/pan_pred/<image id>.png``; ground-truth PNGs in ``truth_dir``
named by the annotation's ``file_name`` of the COCO-panoptic style JSON
(``images``, ``annotations``, ``categories`` with ``isthing``). PNG ids are
RGB-encoded, ``id = R + 256 G + 256^2 B``; id 0 is VOID. Videos are
consecutive groups of ``frames_per_video`` images in the JSON's image order.
"""
import json
import os.path as osp
import sys
from typing import Dict, Sequence, Tuple

import numpy as np
from PIL import Image

from .functional.vpq import VOID, joint_histogram, pq_from_stat, \
    video_pq_stats, vpq_results

VOID_ID = 0


def rgb_to_id(rgb: np.ndarray) -> np.ndarray:
    """H x W x 3 RGB (uint8) -> H x W int64 ids ``R + 256 G + 256^2 B``."""
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f'expected an H x W x 3 RGB image, got {rgb.shape}')
    rgb = rgb[..., :3].astype(np.int64)
    return rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]


def read_id_png(path: str) -> np.ndarray:
    """Read an RGB-encoded panoptic PNG as H x W int64 ids."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'panoptic PNG not found: {path}')
    with Image.open(path) as img:
        return rgb_to_id(np.asarray(img.convert('RGB')))


def _load_json(path: str, keys: Sequence[str]) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'JSON file not found: {path}')
    with open(path) as f:
        data = json.load(f)
    missing = [k for k in keys if k not in data]
    if missing:
        raise KeyError(f'{path} lacks the keys {missing}')
    return data


class _SegmentTable:
    """Ids of one video -> (category index or VOID, crowd), vectorized."""

    def __init__(self) -> None:
        self.info: Dict[int, Tuple[int, bool]] = {VOID_ID: (VOID, False)}

    def add(self, segments: Sequence[dict], cat_index: Dict[int, int],
            where: str) -> None:
        for seg in segments:
            try:
                sid, cid = int(seg['id']), seg['category_id']
            except KeyError as e:
                raise KeyError(f'{where}: a segment lacks {e}') from None
            if cid not in cat_index:
                raise KeyError(f'{where}: segment {sid} has unknown '
                               f'category_id {cid}')
            entry = (cat_index[cid], bool(seg.get('iscrowd', 0)))
            if self.info.setdefault(sid, entry) != entry:
                raise ValueError(f'{where}: segment {sid} changes category or '
                                 f'crowd flag within the video: '
                                 f'{self.info[sid]} vs {entry}')

    def check(self, ids: np.ndarray, where: str) -> None:
        unknown = np.setdiff1d(ids, np.fromiter(self.info, np.int64))
        if unknown.size:
            raise KeyError(f'{where}: PNG ids {unknown[:10].tolist()} are not '
                           'in the JSON segments_info')

    def __call__(self, ids: np.ndarray):
        keys = np.array(sorted(self.info), np.int64)
        cats = np.array([self.info[k][0] for k in keys], np.int64)
        crowd = np.array([self.info[k][1] for k in keys], bool)
        pos = np.searchsorted(keys, ids)
        return cats[pos], crowd[pos]


def _progress(total: int):
    if not sys.stdout.isatty():
        return None
    from mmengine.utils import ProgressBar
    return ProgressBar(total)


def evaluate_vps_submission(submit_dir: str,
                            truth_dir: str,
                            gt_json_file: str,
                            ks: Sequence[int] = (0, 5, 10, 15),
                            frame_interval: int = 5,
                            frames_per_video: int = 6) -> dict:
    """VPQ of a submission; streams one video at a time.

    Returns:
        dict with ``vpq_all``, ``vpq_thing``, ``vpq_stuff`` (percent, means
        over k), the same per k (``vpq_all_k0``...), and ``per_class``:
        ``{category name: {k: PQ percent or None}}``.
    """
    gt = _load_json(gt_json_file, ('images', 'annotations', 'categories'))
    pred_file = osp.join(submit_dir, 'pred.json')
    pred = _load_json(pred_file, ('annotations', ))
    categories = gt['categories']
    cat_index = {c['id']: i for i, c in enumerate(categories)}
    is_thing = np.array([bool(c.get('isthing', 0)) for c in categories])
    gt_anns = {a['image_id']: a for a in gt['annotations']}
    pred_anns = {a['image_id']: a for a in pred['annotations']}
    images = gt['images']
    if len(images) % frames_per_video:
        raise ValueError(f'{gt_json_file}: {len(images)} images are not '
                         f'groups of {frames_per_video} frames')
    window_sizes = [k // frame_interval + 1 for k in ks]
    stats = np.zeros((len(ks), 4, len(categories)))
    bar = _progress(len(images) // frames_per_video)
    for start in range(0, len(images), frames_per_video):
        gt_table, pred_table, frames = _SegmentTable(), _SegmentTable(), []
        for image in images[start:start + frames_per_video]:
            image_id = image['id']
            if image_id not in gt_anns:
                raise KeyError(f'{gt_json_file}: no annotation for image '
                               f'{image_id}')
            if image_id not in pred_anns:
                raise KeyError(f'{pred_file}: no annotation for image '
                               f'{image_id}')
            gt_ann, pred_ann = gt_anns[image_id], pred_anns[image_id]
            gt_name = gt_ann.get('file_name') or image['file_name'].replace(
                '_leftImg8bit.png', '_gtFine_color.png')
            gt_path = osp.join(truth_dir, gt_name)
            pred_path = osp.join(submit_dir, 'pan_pred', f'{image_id}.png')
            gt_table.add(gt_ann['segments_info'], cat_index, gt_path)
            pred_table.add(pred_ann['segments_info'], cat_index, pred_path)
            gt_ids, pred_ids = read_id_png(gt_path), read_id_png(pred_path)
            gt_table.check(np.unique(gt_ids), gt_path)
            present = np.unique(pred_ids)
            pred_table.check(present, pred_path)
            listed = {int(s['id']) for s in pred_ann['segments_info']}
            absent = sorted(listed - set(present.tolist()))
            if absent:
                raise KeyError(f'{pred_path}: segments {absent} of pred.json '
                               'are not in the PNG')
            frames.append(joint_histogram(gt_ids, pred_ids))
        stats += video_pq_stats(frames, window_sizes, gt_table,
                                lambda ids: pred_table(ids)[0],
                                len(categories))
        if bar is not None:
            bar.update()
    out = vpq_results(stats, ks, is_thing)
    out['per_class'] = {
        c.get('name', str(c['id'])): {
            f'k{k}': (None if np.isnan(v) else 100.0 * float(v))
            for k, v in zip(ks, pq_col)
        }
        for c, pq_col in zip(categories,
                             np.stack([pq_from_stat(s) for s in stats], 1))
    }
    return out
