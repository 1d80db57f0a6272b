"""Accel-style score fusion: warped reference scores + current-frame scores."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from uda_video.ops import flow_warp, resize_flow
from uda_video.registry import MODELS


def warp_scores(scores: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Warp reference-frame scores onto the current frame.

    Args:
        scores: N x K x h x w class scores of the reference (key) frame.
        flow: N x 2 x H x W backward flow current -> key, in pixels of its
            own grid (docs/conventions.md); resized (and rescaled) to h x w.

    Returns:
        N x K x h x w, ``out(p) = scores(p + flow(p))``.
    """
    if flow.shape[-2:] != scores.shape[-2:]:
        flow = resize_flow(flow, scores.shape[-2:])
    return flow_warp(scores, flow, padding_mode='border')


@MODELS.register_module()
class ScoreFusion(nn.Module):
    """1x1 convolution over the concatenated reference and update scores.

    Initialized so that the fused scores start as ``(1 - w) * ref + w * upd``
    with ``w = update_weight``: training starts from a sensible average and
    learns per-class mixing.

    Args:
        num_classes: K, channels of both score maps.
        update_weight: initial weight of the current-frame (update) branch.
    """

    def __init__(self, num_classes: int, update_weight: float = 0.5):
        super().__init__()
        if not 0.0 <= update_weight <= 1.0:
            raise ValueError('ScoreFusion.update_weight must lie in [0, 1], '
                             f'got {update_weight}')
        self.num_classes = num_classes
        self.conv = nn.Conv2d(2 * num_classes, num_classes, kernel_size=1)
        eye = torch.eye(num_classes).view(num_classes, num_classes, 1, 1)
        with torch.no_grad():
            self.conv.weight.copy_(
                torch.cat([(1 - update_weight) * eye, update_weight * eye],
                          dim=1))
            self.conv.bias.zero_()

    def forward(self, ref_scores: torch.Tensor,
                upd_scores: torch.Tensor) -> torch.Tensor:
        """Fuse N x K x h x w reference scores with update scores (resized)."""
        if ref_scores.shape[1] != self.num_classes or \
                upd_scores.shape[1] != self.num_classes:
            raise ValueError(
                f'ScoreFusion(num_classes={self.num_classes}) got scores with '
                f'{ref_scores.shape[1]} and {upd_scores.shape[1]} channels')
        if upd_scores.shape[-2:] != ref_scores.shape[-2:]:
            upd_scores = F.interpolate(upd_scores, ref_scores.shape[-2:],
                                       mode='bilinear', align_corners=False)
        return self.conv(torch.cat([ref_scores, upd_scores], dim=1))
