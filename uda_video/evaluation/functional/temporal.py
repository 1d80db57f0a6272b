"""Temporal consistency statistics (pure functions).

TC (ETC, ECCV 2020) is the mIoU between the prediction at ``t`` and the
prediction at ``t + 1`` warped back to ``t`` by the flow ``t -> t+1``
(docs/conventions.md: ``flow_warp(x_{t+1}, flow_t_to_t1)(p) = x_{t+1}(p + flow(p))``).
Pixels whose source falls outside the frame, or outside an optional valid /
non-occluded mask, are not counted.
"""
from typing import Optional, Tuple

import torch

from uda_video.ops import fb_consistency_mask, flow_warp, in_frame_mask


def warp_labels(labels: torch.Tensor, flow: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Nearest-neighbour backward warp of a label map.

    Args:
        labels: H x W integer class ids of frame t+1.
        flow: 2 x H x W pixel flow t -> t+1 (u = dx, v = dy).

    Returns:
        (H x W int64 labels warped onto t, H x W bool: source inside the frame).
    """
    if flow.dim() != 3 or flow.shape[0] != 2 or flow.shape[1:] != labels.shape:
        raise ValueError(f'flow must be 2 x H x W matching labels '
                         f'{tuple(labels.shape)}, got {tuple(flow.shape)}')
    flow = flow[None].double()
    out = flow_warp(labels.double()[None, None], flow, mode='nearest',
                    padding_mode='zeros')[0, 0]
    return out.round().long(), in_frame_mask(flow, mode='nearest')[0]


def forward_backward_mask(flow_fw: torch.Tensor, flow_bw: torch.Tensor,
                          alpha: float = 0.01, beta: float = 0.5
                          ) -> torch.Tensor:
    """Non-occluded pixels of t (2 x H x W flows t -> t+1 and t+1 -> t).

    :func:`uda_video.ops.fb_consistency_mask` on one frame; pixels whose flow
    leaves the frame count as occluded.

    Returns:
        H x W bool, True where the flow is consistent (not occluded).
    """
    mask = fb_consistency_mask(flow_fw[None].double(), flow_bw[None].double(),
                               alpha=alpha, beta=beta)
    return mask[0, 0].bool()


def consistency_areas(pred_t: torch.Tensor, warped_t1: torch.Tensor,
                      num_classes: int,
                      valid: Optional[torch.Tensor] = None
                      ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-class intersection and union of two label maps over ``valid``.

    Returns:
        (intersection (C,), union (C,)) float64.
    """
    a = pred_t.reshape(-1).long()
    b = warped_t1.reshape(-1).long()
    keep = (a >= 0) & (a < num_classes) & (b >= 0) & (b < num_classes)
    if valid is not None:
        keep &= valid.reshape(-1).bool()
    a, b = a[keep], b[keep]
    inter = torch.bincount(a[a == b], minlength=num_classes).double()
    union = (torch.bincount(a, minlength=num_classes) +
             torch.bincount(b, minlength=num_classes)).double() - inter
    return inter, union
