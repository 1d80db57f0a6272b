"""Backward warping by optical flow: the project's one place for grid_sample warps.

Convention (ARCHITECTURE.md): flow is N x 2 x H x W in pixels, channel 0 = u = dx,
channel 1 = v = dy, and is the *backward* flow from the current frame to the
reference frame, so ``flow_warp(x_ref, flow_cur_to_ref)(p) = x_ref(p + flow(p))``.
"""
import torch
import torch.nn.functional as F

from .ext import get_ext, use_cuda_kernel

_MODES = ('bilinear', 'nearest')
_PADDING_MODES = ('zeros', 'border', 'reflection')
# The CUDA kernel covers the bilinear mode with these padding modes.
_KERNEL_PADDING = {'zeros': False, 'border': True}


_LOW_PRECISION = (torch.float16, torch.bfloat16)


def flow_to_grid(flow: torch.Tensor) -> torch.Tensor:
    """Sampling grid for ``grid_sample`` (align_corners=True) from a pixel flow.

    Args:
        flow: N x 2 x H x W, pixels.

    Returns:
        N x H x W x 2 grid in [-1, 1] coordinates (x first).
    """
    if flow.dim() != 4 or flow.size(1) != 2:
        raise ValueError(f'flow must be N x 2 x H x W, got {tuple(flow.shape)}')
    n, _, h, w = flow.shape
    ys = torch.arange(h, device=flow.device, dtype=flow.dtype)
    xs = torch.arange(w, device=flow.device, dtype=flow.dtype)
    x = xs.view(1, 1, w) + flow[:, 0]
    y = ys.view(1, h, 1) + flow[:, 1]
    # align_corners=True maps pixel centre 0 -> -1 and W-1 -> +1.
    gx = 2.0 * x / max(w - 1, 1) - 1.0
    gy = 2.0 * y / max(h - 1, 1) - 1.0
    return torch.stack((gx, gy), dim=3)


def flow_warp_reference(x: torch.Tensor,
                        flow: torch.Tensor,
                        mode: str = 'bilinear',
                        padding_mode: str = 'zeros') -> torch.Tensor:
    """PyTorch reference of :func:`flow_warp` (the CPU path).

    Half-precision inputs are warped in float32 and cast back: a grid in
    float16/bfloat16 is coarser than a pixel at common frame widths.
    """
    _check(x, flow, mode, padding_mode)
    if x.dtype in _LOW_PRECISION:
        return flow_warp_reference(
            x.float(), flow.float(), mode=mode,
            padding_mode=padding_mode).to(x.dtype)
    grid = flow_to_grid(flow.to(x.dtype))
    return F.grid_sample(
        x, grid, mode=mode, padding_mode=padding_mode, align_corners=True)


def _check(x: torch.Tensor, flow: torch.Tensor, mode: str,
           padding_mode: str) -> None:
    if mode not in _MODES:
        raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f'padding_mode must be one of {_PADDING_MODES}, '
                         f'got {padding_mode!r}')
    if flow.dim() != 4 or flow.size(1) != 2:
        raise ValueError(f'flow must be N x 2 x H x W, got {tuple(flow.shape)}')
    if x.dim() != 4:
        raise ValueError(f'x must be N x C x H x W, got {tuple(x.shape)}')
    if x.shape[0] != flow.shape[0] or x.shape[2:] != flow.shape[2:]:
        raise ValueError(f'x {tuple(x.shape)} and flow {tuple(flow.shape)} '
                         'must share N, H and W')


class _FlowWarpCUDA(torch.autograd.Function):
    """Bilinear warp by the compiled kernel (forward and backward)."""

    @staticmethod
    def forward(ctx, x, flow, border):
        ctx.save_for_backward(x, flow)
        ctx.border = border
        return get_ext().flow_warp_forward(x, flow, border)

    @staticmethod
    def backward(ctx, grad_out):
        x, flow = ctx.saved_tensors
        grad_x, grad_flow = get_ext().flow_warp_backward(
            grad_out, x, flow, ctx.border)
        return grad_x, grad_flow, None


def flow_warp(x: torch.Tensor,
              flow: torch.Tensor,
              mode: str = 'bilinear',
              padding_mode: str = 'zeros') -> torch.Tensor:
    """Warp ``x`` (N x C x H x W) by ``flow`` (N x 2 x H x W, pixels, backward).

    Args:
        x: features or images of the reference frame.
        flow: flow from the current frame to the reference frame.
        mode: 'bilinear' or 'nearest'.
        padding_mode: 'zeros', 'border' or 'reflection' for samples outside.

    Returns:
        N x C x H x W, ``out(p) = x(p + flow(p))``. Bilinear warps of CUDA
        tensors with 'zeros' or 'border' padding use the compiled kernel
        when it is built; everything else runs :func:`flow_warp_reference`.
    """
    _check(x, flow, mode, padding_mode)
    if x.dtype in _LOW_PRECISION:
        return flow_warp(x.float(), flow.float(), mode=mode,
                         padding_mode=padding_mode).to(x.dtype)
    if (mode == 'bilinear' and padding_mode in _KERNEL_PADDING
            and use_cuda_kernel(x, flow)):
        return _FlowWarpCUDA.apply(x, flow.to(x.dtype),
                                   _KERNEL_PADDING[padding_mode])
    return flow_warp_reference(x, flow, mode=mode, padding_mode=padding_mode)
