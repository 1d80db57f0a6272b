"""Where a backward flow samples inside its source frame."""
import torch

_MODES = ('bilinear', 'nearest')


def in_frame_mask(flow: torch.Tensor, mode: str = 'bilinear') -> torch.Tensor:
    """Pixels ``p`` whose sampling position ``p + flow(p)`` lies in the frame.

    Args:
        flow: N x 2 x H x W backward flow in pixels (u = dx, v = dy), from the
            frame being filled to the frame sampled, as :func:`flow_warp`
            takes it.
        mode: the sampling of the warp the mask goes with: 'bilinear' keeps
            positions with ``0 <= x <= W - 1`` and ``0 <= y <= H - 1`` (all
            four neighbours inside); 'nearest' keeps positions whose nearest
            pixel (round half to even, as ``grid_sample``) is inside.

    Returns:
        N x H x W bool, True = inside (the warp there is not padding).
    """
    if flow.dim() != 4 or flow.size(1) != 2:
        raise ValueError('flow must be N x 2 x H x W, got '
                         f'{tuple(flow.shape)}')
    if mode not in _MODES:
        raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
    _, _, h, w = flow.shape
    xs = torch.arange(w, device=flow.device, dtype=flow.dtype).view(1, 1, w)
    ys = torch.arange(h, device=flow.device, dtype=flow.dtype).view(1, h, 1)
    x = xs + flow[:, 0]
    y = ys + flow[:, 1]
    if mode == 'nearest':
        x, y = torch.round(x), torch.round(y)
    return (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
