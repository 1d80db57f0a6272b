"""Write predictions as a Cityscapes-VPS submission (what tools/analysis_tools/eval_vpq.py reads).

Layout (the official evaluator's)::

    out_dir/pred.json           {"annotations": [{"image_id", "file_name",
                                 "segments_info": [{"id", "category_id",
                                 "iscrowd", "area"}]}]} in the order of the
                                 ground-truth JSON's annotations
    out_dir/pan_pred/<image id>.png   RGB ids, id = R + 256 G + 256^2 B, 0 = VOID

One PNG per annotated frame of the ground-truth JSON (the image ids are the
JSON's, e.g. ``0005_0025_frankfurt_000000_001736``; a test sample is that
frame when its ``seg_map_path`` is the annotation's ``file_name``). A segment keeps its id in
every frame of its video (tubes), so a predicted id is the panoptic id
``class * divisor + instance`` plus one; the category is the ground-truth
JSON's category of the same class name. Panoptic ids come from the sample's
``pred_panoptic_seg`` (a panoptic model), from an
:class:`~.derived_instances.InstanceDeriver` (a semantic model with derived
instances) or from ``pred_sem_seg`` (each class of a frame one segment).
"""
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from PIL import Image

from uda_video.datasets.classes import IGNORE_INDEX, canonical_class_name
from .derived_instances import InstanceDeriver, sample_to_dict


def id_to_rgb(ids: np.ndarray) -> np.ndarray:
    """H x W ids (< 2^24) -> H x W x 3 uint8 RGB, ``id = R + 256 G + 256^2 B``."""
    ids = np.asarray(ids, np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= 1 << 24):
        raise ValueError(f'ids must lie in [0, 2^24), got {ids.min()}..'
                         f'{ids.max()}')
    return np.stack([ids % 256, ids // 256 % 256, ids // 65536],
                    -1).astype(np.uint8)


class VPSSubmissionWriter:
    """Collect the test predictions of every frame and write a submission.

    Args:
        out_dir: the submission folder.
        ann_file: the ground-truth panoptic JSON (images, annotations,
            categories): image ids, their order and the category ids.
        classes: the prediction's class names (dataset metainfo).
        label_divisor: divisor of ``pred_panoptic_seg`` ids.
        void_class: class of VOID ids and of ignored pixels.
        deriver: derive instances of semantic predictions (every frame of a
            video must then be given in order); None: use
            ``pred_panoptic_seg`` when present, else each class one segment.
    """

    def __init__(self, out_dir: str, ann_file: str, classes: Sequence[str],
                 label_divisor: int = 1000, void_class: int = IGNORE_INDEX,
                 deriver: Optional[InstanceDeriver] = None) -> None:
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'VPS submission: ground-truth JSON not '
                                    f'found: {ann_file}')
        with open(ann_file) as f:
            gt = json.load(f)
        missing = [k for k in ('images', 'annotations', 'categories')
                   if k not in gt]
        if missing:
            raise KeyError(f'{ann_file} lacks the keys {missing}')
        by_name = {canonical_class_name(c['name']): c['id']
                   for c in gt['categories']}
        unknown = [c for c in classes if c not in by_name]
        if unknown:
            raise KeyError(f'VPS submission: classes {unknown} have no '
                           f'category in {ann_file} '
                           f'({sorted(by_name)})')
        self.category_of = np.array([by_name[c] for c in classes], np.int64)
        self.ann_file = ann_file
        # annotated frames by the file name of their ground-truth PNG
        self.image_ids: Dict[str, str] = {
            a['file_name']: a['image_id'] for a in gt['annotations']}
        self.order = [a['image_id'] for a in gt['annotations']]
        self.out_dir = out_dir
        self.pan_dir = osp.join(out_dir, 'pan_pred')
        os.makedirs(self.pan_dir, exist_ok=True)
        self.label_divisor = label_divisor
        self.void_class = void_class
        self.deriver = deriver
        self.annotations: Dict[str, dict] = {}

    def _panoptic(self, sample: dict):
        """(H x W panoptic ids, their divisor) of a sample."""
        if self.deriver is not None:
            return self.deriver(sample), self.deriver.label_divisor
        if 'pred_panoptic_seg' in sample:
            ids = sample['pred_panoptic_seg']['data']
            return ids.squeeze(0).cpu().numpy().astype(np.int64), \
                self.label_divisor
        sem = sample['pred_sem_seg']['data'].squeeze(0).cpu().numpy()
        return sem.astype(np.int64) * self.label_divisor, self.label_divisor

    def add(self, sample) -> None:
        """One test sample (SegDataSample or dict), in test order."""
        sample = sample_to_dict(sample)
        pan, divisor = self._panoptic(sample)  # every frame: tracking
        seg_map = sample.get('seg_map_path')
        image_id = self.image_ids.get(osp.basename(seg_map or ''))
        if image_id is None:
            return  # not an annotated frame
        if image_id in self.annotations:
            raise ValueError(f'VPS submission: frame {image_id} predicted '
                             'twice')
        cls = pan // divisor
        void = (cls == self.void_class) | (cls < 0)
        bad = ~void & (cls >= len(self.category_of))
        if bad.any():
            raise ValueError(f'VPS submission: {sample["img_path"]} has '
                             f'predicted class {int(cls[bad][0])}, outside '
                             f'the {len(self.category_of)} classes')
        out = np.where(void, 0, pan + 1)
        ids, areas = np.unique(out, return_counts=True)
        segments = [
            dict(id=int(i), category_id=int(self.category_of[(i - 1) //
                                                             divisor]),
                 iscrowd=0, area=int(a))
            for i, a in zip(ids.tolist(), areas.tolist()) if i != 0]
        Image.fromarray(id_to_rgb(out)).save(
            osp.join(self.pan_dir, f'{image_id}.png'))
        self.annotations[image_id] = dict(
            image_id=image_id, file_name=f'{image_id}.png',
            segments_info=segments)

    def close(self) -> str:
        """Write pred.json (every annotated frame must have been added)."""
        absent = [i for i in self.order if i not in self.annotations]
        if absent:
            raise ValueError(
                f'VPS submission: {len(absent)} annotated frames of '
                f'{self.ann_file} were not predicted, e.g. {absent[0]} (the '
                'test must run over every frame of the split)')
        path = osp.join(self.out_dir, 'pred.json')
        with open(path, 'w') as f:
            json.dump(dict(annotations=[self.annotations[i]
                                        for i in self.order]), f)
        return path

    @classmethod
    def from_dataset(cls, out_dir: str, dataset,
                     evaluators: Sequence = (),
                     label_divisor: int = 1000) -> 'VPSSubmissionWriter':
        """A writer for a CityscapesVPSDataset, predicting as its VPQ metric.

        The ground-truth JSON is the dataset's; instances are derived when a
        ``VPQMetric`` config among ``evaluators`` sets ``derive_instances``
        (so the submission scores as that metric does).
        """
        ann_file = getattr(dataset, 'vps_ann_file', None) or osp.join(
            dataset.data_root,
            f'panoptic_gt_{getattr(dataset, "split", "val")}_city_vps.json')
        classes = list(dataset.metainfo['classes'])
        deriver = None
        for ev in evaluators:
            if ev.get('type') == 'VPQMetric' and ev.get('derive_instances'):
                from uda_video.datasets.classes import CITYSCAPES_THINGS
                things = ev.get('thing_classes') or dataset.metainfo.get(
                    'thing_classes', CITYSCAPES_THINGS)
                deriver = InstanceDeriver(
                    [i for i, c in enumerate(classes) if c in things],
                    void_class=ev.get('void_class', IGNORE_INDEX),
                    **ev['derive_instances'])
                label_divisor = ev.get('label_divisor', label_divisor)
                break
        return cls(out_dir, ann_file, classes, label_divisor=label_divisor,
                   deriver=deriver)
