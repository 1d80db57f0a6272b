"""Occlusion by forward-backward consistency (flows N x 2 x H x W, pixels)."""
import torch

from .flow_warp import flow_warp
from .in_frame import in_frame_mask


def fb_consistency_mask(flow_fw: torch.Tensor,
                        flow_bw: torch.Tensor,
                        alpha: float = 0.01,
                        beta: float = 0.5) -> torch.Tensor:
    """Non-occluded pixels of frame t by forward-backward consistency.

    ``flow_fw`` maps t -> s, ``flow_bw`` maps s -> t (both N x 2 x H x W). A pixel
    p of t is visible in s when the round trip returns to p:
    ``|f(p) + b(p + f(p))|^2 < alpha (|f(p)|^2 + |b(p + f(p))|^2) + beta``.

    Returns:
        N x 1 x H x W float mask, 1 = consistent (visible), 0 = occluded.
    """
    bw_at_fw = flow_warp(flow_bw, flow_fw, padding_mode='zeros')
    diff = (flow_fw + bw_at_fw).pow(2).sum(1, keepdim=True)
    mag = flow_fw.pow(2).sum(1, keepdim=True) + bw_at_fw.pow(2).sum(
        1, keepdim=True)
    inside = in_frame_mask(flow_fw).unsqueeze(1)
    return ((diff < alpha * mag + beta) & inside).to(flow_fw.dtype)
