"""Occlusion by forward-backward consistency (flows N x 2 x H x W, pixels)."""
import torch

from .flow_warp import flow_warp


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
    inside = _inside_mask(flow_fw)
    return ((diff < alpha * mag + beta) & inside).to(flow_fw.dtype)


def _inside_mask(flow: torch.Tensor) -> torch.Tensor:
    """N x 1 x H x W bool: p + flow(p) lies inside the frame."""
    n, _, h, w = flow.shape
    xs = torch.arange(w, device=flow.device, dtype=flow.dtype).view(1, 1, w)
    ys = torch.arange(h, device=flow.device, dtype=flow.dtype).view(1, h, 1)
    x = xs + flow[:, 0]
    y = ys + flow[:, 1]
    return ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).unsqueeze(1)
