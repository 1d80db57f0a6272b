"""Video panoptic quality over videos of the test split."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from uda_video.datasets.classes import CITYSCAPES_THINGS
from uda_video.registry import METRICS
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

    Args:
        mode: 'panoptic' reads ``pred_panoptic_seg`` (same encoding, track ids
            constant over a video); 'semantic' reads ``pred_sem_seg`` and makes
            each class of a frame one segment (id ``class * label_divisor``).
        ks: frame gaps of the windows (Cityscapes-VPS: 0, 5, 10, 15).
        frame_interval: frames between annotated frames (5).
        thing_classes: names of thing classes; default the dataset_meta's
            ``thing_classes``, else the Cityscapes things among its classes.
        label_divisor, void_class: the panoptic id encoding.
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 mode: str = 'panoptic',
                 ks: Sequence[int] = (0, 5, 10, 15),
                 frame_interval: int = 5,
                 thing_classes: Optional[Sequence[str]] = None,
                 label_divisor: int = 1000,
                 void_class: int = 255,
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
        self._reset_stream()

    def _reset_stream(self) -> None:
        self._video: Optional[str] = None
        self._frames: List = []
        self._done = set()

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

        def gt_table(seg_ids):
            return encoded_segment_table(seg_ids, is_thing, self.label_divisor,
                                         self.void_class, 'ground-truth')

        def pred_table(seg_ids):
            return encoded_segment_table(seg_ids, np.zeros_like(is_thing),
                                         self.label_divisor, self.void_class,
                                         'predicted')[0]

        self.results.append(
            video_pq_stats([f[1] for f in frames], self.window_sizes,
                           gt_table, pred_table, num_classes))
        self._done.add(self._video)
        self._video, self._frames = None, []

    def _pred_ids(self, sample: dict) -> np.ndarray:
        if self.mode == 'panoptic':
            if 'pred_panoptic_seg' not in sample:
                raise KeyError("VPQMetric(mode='panoptic'): sample "
                               f"{sample.get('img_path')} has no "
                               "pred_panoptic_seg; use mode='semantic' for "
                               'semantic predictions')
            return sample['pred_panoptic_seg']['data'].cpu().numpy()
        sem = sample['pred_sem_seg']['data'].cpu().numpy().astype(np.int64)
        return sem * self.label_divisor

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
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
            gt = sample['gt_panoptic_seg']['data'].cpu().numpy()
            self._frames.append((int(sample['frame_id']),
                                 joint_histogram(gt, self._pred_ids(sample))))

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
        table = PrettyTable()
        table.add_column('Class', list(self.dataset_meta['classes']))
        for k, stat in zip(self.ks, stats):
            table.add_column(f'PQ k={k}',
                             np.round(pq_from_stat(stat) * 100, 2).tolist())
        print_log('per class VPQ:\n' + table.get_string(),
                  logger=MMLogger.get_current_instance())
        return {
            key: round(val, 2)
            for key, val in vpq_results(stats, self.ks, is_thing).items()
        }
