"""mIoU over the labelled frames of a video split."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from uda_video.registry import METRICS
from ..functional import intersect_and_union, iou_from_areas, subset_mean


def resolve_class_subset(subset: Union[str, Sequence[str]]) -> Sequence[str]:
    """A list of class names, a protocol ('shared15', 'cityscapes19') or the
    name of a class tuple in uda_video.datasets.classes ('SHARED_15')."""
    if not isinstance(subset, str):
        return list(subset)
    from uda_video.datasets import classes
    if subset in classes.PROTOCOLS:
        return list(classes.get_classes(subset)[0])
    value = getattr(classes, subset, None)
    if not isinstance(value, (tuple, list)):
        raise KeyError(f'class subset {subset!r} is neither a protocol '
                       f'{sorted(classes.PROTOCOLS)} nor a class list in '
                       'uda_video.datasets.classes')
    return list(value)


@METRICS.register_module()
class VideoIoUMetric(BaseMetric):
    """Per-class IoU / Acc, mIoU, mAcc and aAcc over labelled frames.

    Identical numbers to mmseg's ``IoUMetric(iou_metrics=['mIoU'])`` on the
    same predictions; samples whose metainfo ``is_labelled`` is False are not
    read (absent means True). Reads ``pred_sem_seg`` and ``gt_sem_seg``
    (``1 x H x W``).

    Args:
        ignore_index: label value not evaluated.
        class_subsets: extra means over class subsets, ``{name: classes}``
            where classes is a list of class names, a protocol name
            ('shared15') or a list of ``uda_video.datasets.classes``
            ('SHARED_15'); reported as ``mIoU_{name}`` (e.g. the 15 shared
            classes of 19-class predictions).
        report_per_class: add ``IoU.{class}`` and ``Acc.{class}`` to the
            returned metrics (tools/test.py tabulates them).
        collect_device, prefix: as mmengine's BaseMetric.
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 ignore_index: int = 255,
                 class_subsets: Optional[Dict[str, Union[str,
                                                         Sequence[str]]]] = None,
                 report_per_class: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index
        self.class_subsets = {
            name: resolve_class_subset(subset)
            for name, subset in (class_subsets or {}).items()
        }
        self.report_per_class = report_per_class

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            if not sample.get('is_labelled', True):
                continue
            if 'gt_sem_seg' not in sample:
                raise KeyError('VideoIoUMetric: labelled sample '
                               f'{sample.get("img_path")} has no gt_sem_seg')
            pred = sample['pred_sem_seg']['data'].squeeze(0)
            label = sample['gt_sem_seg']['data'].squeeze(0)
            self.results.append([
                a.numpy() for a in intersect_and_union(
                    pred, label, num_classes, self.ignore_index)
            ])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        class_names = list(self.dataset_meta['classes'])
        if not results:
            raise ValueError('VideoIoUMetric: no labelled frame was evaluated')
        inter, union, _, label = (np.sum(r, axis=0) for r in zip(*results))
        ret = iou_from_areas(inter, union, label)
        metrics = OrderedDict(
            aAcc=float(np.round(ret['aAcc'] * 100, 2)),
            mIoU=float(np.round(np.nanmean(ret['IoU']) * 100, 2)),
            mAcc=float(np.round(np.nanmean(ret['Acc']) * 100, 2)))
        for name, subset in self.class_subsets.items():
            metrics[f'mIoU_{name}'] = round(
                subset_mean(ret['IoU'], class_names, subset, name) * 100, 2)
        table = PrettyTable()
        table.add_column('Class', class_names)
        table.add_column('IoU', np.round(ret['IoU'] * 100, 2).tolist())
        table.add_column('Acc', np.round(ret['Acc'] * 100, 2).tolist())
        print_log('per class results:\n' + table.get_string(),
                  logger=MMLogger.get_current_instance())
        if self.report_per_class:
            for key in ('IoU', 'Acc'):
                for name, val in zip(class_names, ret[key]):
                    metrics[f'{key}.{name}'] = float(np.round(val * 100, 2))
        return metrics
