"""Pseudo-label quality of a training batch, for the log (never for training).

A target sample carries ground truth where its dataset has a label for the key
frame (the synthetic benchmark's labelled frames, the ``gtFine`` frames of
Cityscapes sequences); ``LoadClip`` gives every other frame an all-255 map. A
sample whose ``gt_sem_seg`` is an offline pseudo label (``LoadPseudoLabel``:
its ``seg_map_path`` is a pseudo-label file) carries no ground truth.
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.utils import SampleList

from uda_video.datasets.transforms.labels import is_pseudo_label_path
from uda_video.evaluation.functional import (pseudo_label_quality,
                                             pseudo_label_stats)
from .pseudo_labels import IGNORE_INDEX

LOG_KEYS = ('precision', 'coverage', 'mIoU')


def has_ground_truth(sample) -> bool:
    """Whether ``sample.gt_sem_seg`` is the key frame's ground truth."""
    meta = sample.metainfo
    return ('gt_sem_seg' in sample and bool(meta.get('is_labelled', True))
            and not is_pseudo_label_path(meta.get('seg_map_path'),
                                         meta.get('video_id'),
                                         meta.get('frame_id', -1)))


def key_frame_label(sample, size: Sequence[int]) -> torch.Tensor:
    """H x W long labels of ``sample.gt_sem_seg`` (the key frame's) at
    ``size`` (nearest-neighbour resize where it differs)."""
    gt = sample.gt_sem_seg.data[0].long()
    if tuple(gt.shape) != tuple(size):
        gt = F.interpolate(gt[None, None].float(), size=tuple(size),
                           mode='nearest')[0, 0].long()
    return gt


def target_ground_truth(samples: SampleList,
                        size: torch.Size) -> Optional[torch.Tensor]:
    """N x H x W ground truth of the key frames at ``size`` (255 where a
    sample has none); None when no sample of the batch has any."""
    if not any(has_ground_truth(s) for s in samples):
        return None
    maps = []
    for s in samples:
        if not has_ground_truth(s):
            maps.append(torch.full(tuple(size), IGNORE_INDEX,
                                   dtype=torch.long))
            continue
        maps.append(key_frame_label(s, size).cpu())
    return torch.stack(maps)


@torch.no_grad()
def pseudo_label_log_vars(pseudo: torch.Tensor, samples: SampleList,
                          num_classes: int,
                          prefix: str = 'pl') -> Dict[str, torch.Tensor]:
    """``{prefix}.precision``, ``.coverage``, ``.mIoU`` of a batch's pseudo
    labels against the target ground truth (fractions in [0, 1]).

    Args:
        pseudo: N x H x W pseudo labels (255 = not labelled).
        samples: the target data samples of the batch.
        num_classes: C.

    Returns:
        The defined values as scalar tensors; empty when no sample carries
        ground truth (precision is left out when no pixel with ground truth
        was pseudo-labelled).
    """
    gt = target_ground_truth(samples, pseudo.shape[-2:])
    if gt is None:
        return {}
    stats = pseudo_label_stats(pseudo.cpu(), gt, num_classes, IGNORE_INDEX)
    quality = pseudo_label_quality(stats)
    out = {}
    for key in LOG_KEYS:
        value = quality[key]
        if value == value:  # not NaN
            out[f'{prefix}.{key}'] = torch.tensor(value, dtype=torch.float32,
                                                  device=pseudo.device)
    return out
