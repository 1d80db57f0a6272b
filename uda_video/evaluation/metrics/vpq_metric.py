"""Video panoptic quality over videos of the test split."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from uda_video.datasets.classes import CITYSCAPES_THINGS
from uda_video.registry import METRICS
from ..derived_instances import InstanceDeriver
from ..functional import (encoded_segment_table, joint_histogram, pq_from_stat,
                          video_pq_stats, vpq_results)

@METRICS.register_module()
class VPQMetric(BaseMetric):
    """VPQ (Cityscapes-VPS) streamed one video at a time.

    Labelled samples (metainfo ``is_labelled`` absent or True) are grouped by
    ``video_id`` and ordered by ``frame_id``; a window of size
    ``k // frame_interval + 1`` covers that many consecutive annotated frames.
    Ground truth is ``gt_panoptic_seg`` (``class * label_divisor + track``,
    VOID ``void_class * label_divisor``, crowd = thing with track 0). The test
    order must give each video's frames contiguously (the video test
    sampler); only the current video's small joint histograms are kept.

    Two quantities, named apart in every key and table:

    - panoptic VPQ (keys ``vpq_*``, mode 'panoptic'): predicted instances
      against ground-truth instances;
    - semantic VPQ (keys ``svpq_*``, mode 'semantic'): each class of a frame
      is one segment on both sides (ground-truth things merged per class as a
      semantic prediction is, crowd pixels included in their class, no
      crowd), so thing classes are scored as stuff is.

    A model that outputs instances is evaluated by one metric of each mode
    (``val_evaluator`` lists both): panoptic VPQ beside semantic VPQ.

    Args:
        mode: 'panoptic' reads ``pred_panoptic_seg`` (same encoding, track ids
            constant over a video); 'semantic' reads ``pred_sem_seg`` (else
            ``pred_panoptic_seg`` merged per class).
        ks: frame gaps of the windows (Cityscapes-VPS: 0, 5, 10, 15).
        frame_interval: frames between annotated frames (5).
        thing_classes: names of thing classes; default the dataset_meta's
            ``thing_classes``, else the Cityscapes things among its classes.
        label_divisor, void_class: the panoptic id encoding.
        derive_instances: None, or (mode 'panoptic' only) a dict of
            :class:`~uda_video.evaluation.derived_instances.InstanceDeriver`
            options (``flow_file_tmpl``, ``iou_thr``, ``connectivity``,
            ``min_area``): the panoptic prediction is derived from
            ``pred_sem_seg``, each connected component of a thing class one
            instance, tracked over every frame of the video (labelled or not)
            by overlap with the previous frame's instances warped by flow.
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 mode: str = 'panoptic',
                 ks: Sequence[int] = (0, 5, 10, 15),
                 frame_interval: int = 5,
                 thing_classes: Optional[Sequence[str]] = None,
                 label_divisor: int = 1000,
                 void_class: int = 255,
                 derive_instances: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if mode not in ('panoptic', 'semantic'):
            raise ValueError(f"VPQMetric mode must be 'panoptic' or "
                             f"'semantic', got {mode!r}")
        bad = [k for k in ks if k < 0 or k % frame_interval]
        if bad:
            raise ValueError(f'VPQMetric ks {bad} are not non-negative '
                             f'multiples of frame_interval={frame_interval}')
        self.mode = mode
        self.ks = list(ks)
        self.window_sizes = [k // frame_interval + 1 for k in ks]
        self.thing_classes = thing_classes
        self.label_divisor = label_divisor
        self.void_class = void_class
        if derive_instances is not None and mode != 'panoptic':
            raise ValueError("VPQMetric derive_instances needs mode='panoptic'"
                             ' (the derived instances are its prediction)')
        self.derive_instances = derive_instances
        self._deriver: Optional[InstanceDeriver] = None
        self._pred_divisor = label_divisor
        self._reset_stream()

    def _reset_stream(self) -> None:
        self._video: Optional[str] = None
        self._frames: List = []
        self._done = set()
        if self._deriver is not None:
            self._deriver.reset()

    @property
    def is_thing(self) -> np.ndarray:
        classes = list(self.dataset_meta['classes'])
        things = self.thing_classes
        if things is None:
            things = self.dataset_meta.get('thing_classes', CITYSCAPES_THINGS)
        unknown = [t for t in (self.thing_classes or []) if t not in classes]
        if unknown:
            raise KeyError(f'VPQMetric thing_classes {unknown} are not in the '
                           f'dataset classes {classes}')
        return np.array([c in things for c in classes], bool)

    def _flush(self) -> None:
        if self._video is None:
            return
        frames = sorted(self._frames, key=lambda f: f[0])
        ids = [f[0] for f in frames]
        if len(set(ids)) != len(ids):
            raise ValueError(f'VPQMetric: video {self._video} has repeated '
                             f'frame_ids {ids}')
        is_thing = self.is_thing
        num_classes = len(is_thing)
        # semantic VPQ: ground truth merged per class, so no crowd
        gt_things = is_thing if self.mode == 'panoptic' else np.zeros_like(
            is_thing)

        def gt_table(seg_ids):
            return encoded_segment_table(seg_ids, gt_things,
                                         self.label_divisor, self.void_class,
                                         'ground-truth')

        def pred_table(seg_ids):
            return encoded_segment_table(seg_ids, np.zeros_like(is_thing),
                                         self._pred_divisor, self.void_class,
                                         'predicted')[0]

        self.results.append(
            video_pq_stats([f[1] for f in frames], self.window_sizes,
                           gt_table, pred_table, num_classes))
        self._done.add(self._video)
        self._video, self._frames = None, []

    def _derived_ids(self, sample: dict) -> np.ndarray:
        """Derived panoptic ids of ``sample`` (every sample passes here)."""
        if self._deriver is None:
            self._deriver = InstanceDeriver(
                np.flatnonzero(self.is_thing), void_class=self.void_class,
                **self.derive_instances)
            self._pred_divisor = self._deriver.label_divisor
        return self._deriver(sample)

    def _pred_ids(self, sample: dict) -> np.ndarray:
        if self.derive_instances is not None:
            return sample['_derived_ids'][None]  # 1 x H x W, as the gt
        if self.mode == 'panoptic':
            if 'pred_panoptic_seg' not in sample:
                raise KeyError("VPQMetric(mode='panoptic'): sample "
                               f"{sample.get('img_path')} has no "
                               "pred_panoptic_seg; use mode='semantic' for "
                               'semantic predictions')
            return sample['pred_panoptic_seg']['data'].cpu().numpy()
        if 'pred_sem_seg' not in sample and 'pred_panoptic_seg' in sample:
            pan = sample['pred_panoptic_seg']['data'].cpu().numpy()
            return self._per_class(pan.astype(np.int64), self.label_divisor)
        if 'pred_sem_seg' not in sample:
            raise KeyError("VPQMetric(mode='semantic'): sample "
                           f"{sample.get('img_path')} has no pred_sem_seg")
        sem = sample['pred_sem_seg']['data'].cpu().numpy().astype(np.int64)
        return sem * self.label_divisor

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if self.derive_instances is not None:
                sample = dict(sample, _derived_ids=self._derived_ids(sample))
            if not sample.get('is_labelled', True):
                continue
            for key in ('video_id', 'frame_id'):
                if key not in sample:
                    raise KeyError(f'VPQMetric: sample {sample.get("img_path")}'
                                   f' has no metainfo {key!r}')
            if 'gt_panoptic_seg' not in sample:
                raise KeyError(f'VPQMetric: sample {sample.get("img_path")} '
                               'has no gt_panoptic_seg')
            video = str(sample['video_id'])
            if video != self._video:
                self._flush()
                if video in self._done:
                    raise ValueError(
                        f'VPQMetric: frames of video {video} are not '
                        'contiguous in the test order; use the video test '
                        'sampler (whole videos in order)')
                self._video = video
            gt = sample['gt_panoptic_seg']['data'].cpu().numpy().astype(
                np.int64)
            if self.mode == 'semantic':  # each class one segment
                gt = self._per_class(gt, self.label_divisor)
            self._frames.append((int(sample['frame_id']),
                                 joint_histogram(gt, self._pred_ids(sample))))

    def _per_class(self, ids: np.ndarray, divisor: int) -> np.ndarray:
        """Panoptic ids (``class * divisor + track``) -> one segment per class
        (``class * label_divisor``), as semantic VPQ scores both sides."""
        return ids // divisor * self.label_divisor

    def evaluate(self, size: int) -> dict:
        self._flush()
        try:
            return super().evaluate(size)
        finally:
            self._reset_stream()

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if not results:
            raise ValueError('VPQMetric: no labelled frame was evaluated')
        stats = np.sum(results, axis=0)
        is_thing = self.is_thing
        prefix = 'vpq' if self.mode == 'panoptic' else 'svpq'
        table = PrettyTable()
        table.add_column('Class', list(self.dataset_meta['classes']))
        for k, stat in zip(self.ks, stats):
            table.add_column(f'PQ k={k}',
                             np.round(pq_from_stat(stat) * 100, 2).tolist())
        print_log(f'per class {self.mode} VPQ ({prefix}):\n' +
                  table.get_string(), logger=MMLogger.get_current_instance())
        return {
            key: round(val, 2)
            for key, val in vpq_results(stats, self.ks, is_thing,
                                        prefix).items()
        }
