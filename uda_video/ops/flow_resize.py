"""Resizing a pixel flow field: values scale with the resolution."""
from typing import Sequence

import torch
import torch.nn.functional as F


def resize_flow(flow: torch.Tensor,
                size: Sequence[int],
                mode: str = 'bilinear') -> torch.Tensor:
    """Resize ``flow`` (N x 2 x h x w, pixels) to ``size`` = (H, W).

    u is multiplied by W / w and v by H / h, so the result is in pixels of
    the new resolution. ``mode`` is 'bilinear' or 'area' (average pooling,
    for shrinking a dense ground truth).
    """
    if flow.dim() != 4 or flow.size(1) != 2:
        raise ValueError(f'flow must be N x 2 x H x W, got {tuple(flow.shape)}')
    h, w = flow.shape[2:]
    out_h, out_w = int(size[0]), int(size[1])
    if (out_h, out_w) == (h, w):
        return flow
    if mode == 'bilinear':
        out = F.interpolate(flow, size=(out_h, out_w), mode='bilinear',
                            align_corners=False)
    elif mode == 'area':
        out = F.interpolate(flow, size=(out_h, out_w), mode='area')
    else:
        raise ValueError(f"mode must be 'bilinear' or 'area', got {mode!r}")
    scale = flow.new_tensor([out_w / w, out_h / h]).view(1, 2, 1, 1)
    return out * scale
