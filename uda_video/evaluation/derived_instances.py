"""Panoptic predictions of a semantic model, derived sample by sample.

:class:`InstanceDeriver` feeds the ``pred_sem_seg`` of every test sample of a
video, in frame order, through :class:`~.functional.instances.InstanceTracker`
(connected components per thing class, tracked by overlap with the previous
frame's instances warped by flow). Used by ``VPQMetric(derive_instances=...)``
and by the Cityscapes-VPS submission writer, so both score the same instances.
"""
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from uda_video.datasets.flow_io import read_flow
from .functional.instances import InstanceTracker, instances_to_panoptic

#: Divisor of the derived panoptic ids ``class * divisor + instance``; the
#: instance ids of a video count every thing component that starts a track.
DERIVED_LABEL_DIVISOR = 1 << 16


def sample_to_dict(sample) -> dict:
    """A SegDataSample (or a dict from one) as a dict of its fields."""
    return sample.to_dict() if hasattr(sample, 'to_dict') else sample


class InstanceDeriver:
    """Instances of semantic predictions streamed in video order.

    Args:
        thing_classes: class indices that have instances.
        flow_file_tmpl: backward flow file (``t -> t-1``) of a frame,
            ``tmpl.format(video_id=, frame_id=, stem=, name=, img_dir=)``
            (as TemporalConsistencyMetric's templates), e.g.
            ``'{img_dir}/../flow/{name}_flow_bw.png'`` for Cityscapes-VPS
            (``tools/dataset_converters/compute_flow.py --naming vps``). None: instances are
            matched by overlap in place, without motion compensation.
        iou_thr, connectivity, min_area: see
            :class:`~.functional.instances.InstanceTracker`; components under
            ``min_area`` pixels become VOID.
        void_class: class of VOID ids.
    """

    def __init__(self, thing_classes: Sequence[int],
                 flow_file_tmpl: Optional[str] = None, iou_thr: float = 0.5,
                 connectivity: int = 8, min_area: int = 0,
                 void_class: int = 255) -> None:
        self.tracker = InstanceTracker(thing_classes, iou_thr=iou_thr,
                                       connectivity=connectivity,
                                       min_area=min_area)
        self.flow_file_tmpl = flow_file_tmpl
        self.void_class = void_class
        self.label_divisor = DERIVED_LABEL_DIVISOR
        self.reset()

    def reset(self) -> None:
        self.tracker.reset()
        self._video = None
        self._frame = None

    def _flow(self, sample: dict) -> Optional[np.ndarray]:
        if self.flow_file_tmpl is None:
            return None
        from .metrics.temporal_consistency_metric import frame_name
        img_path = sample.get('img_path', '')
        path = self.flow_file_tmpl.format(
            video_id=sample.get('video_id'), frame_id=sample.get('frame_id'),
            stem=osp.splitext(osp.basename(img_path))[0],
            name=frame_name(img_path), img_dir=osp.dirname(img_path))
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'derive_instances: flow file not found: {path} (backward '
                f'flow of {img_path}); compute the flow of the split with '
                'tools/dataset_converters/compute_flow.py (--naming vps for Cityscapes-VPS) or '
                'set flow_file_tmpl=None to track by overlap only')
        flow, _ = read_flow(path)
        return flow.transpose(2, 0, 1)

    def __call__(self, sample) -> np.ndarray:
        """H x W int64 ids ``class * DERIVED_LABEL_DIVISOR + instance``."""
        sample = sample_to_dict(sample)
        for key in ('video_id', 'frame_id', 'pred_sem_seg'):
            if key not in sample:
                raise KeyError(f'derive_instances: sample '
                               f'{sample.get("img_path")} has no {key!r}')
        video, frame = str(sample['video_id']), int(sample['frame_id'])
        flow = None
        if video != self._video:
            self.tracker.reset()
        else:
            if self.flow_file_tmpl is not None and frame != self._frame + 1:
                raise ValueError(
                    f'derive_instances: video {video} frame {self._frame} is '
                    f'followed by frame {frame}; tracking along flow needs '
                    'every frame in order (the video test sampler on a '
                    'dataset with all_frames=True)')
            flow = self._flow(sample)
        self._video, self._frame = video, frame
        sem = sample['pred_sem_seg']['data'].squeeze(0).cpu().numpy()
        sem = sem.astype(np.int64)
        if flow is not None and flow.shape[1:] != sem.shape:
            raise ValueError(
                f'derive_instances: the flow of {sample.get("img_path")} is '
                f'{flow.shape[2]}x{flow.shape[1]}, the prediction '
                f'{sem.shape[1]}x{sem.shape[0]}')
        inst, small = self.tracker.update(sem, flow)
        return instances_to_panoptic(sem, inst, small, self.label_divisor,
                                     self.void_class)
