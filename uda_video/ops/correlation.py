"""FlowNetC cost volume: ``correlation(f1, f2, max_displacement, stride)``.

For displacements ``d = (dy, dx)`` with ``dy, dx`` in
``{-r * stride, ..., 0, ..., r * stride}``, ``r = max_displacement // stride``::

    out[n, iy * D + ix, y, x] = mean_c f1[n, c, y, x] * f2[n, c, y + dy, x + dx]

where ``D = 2 r + 1``, ``dy = (iy - r) stride``, ``dx = (ix - r) stride`` and
``f2`` is zero outside the image. The output is ``N x D^2 x H x W``.
"""
import torch
import torch.nn.functional as F

from .ext import get_ext, use_cuda_kernel


def _check(f1: torch.Tensor, f2: torch.Tensor, max_displacement: int,
           stride: int) -> None:
    if f1.dim() != 4 or f1.shape != f2.shape:
        raise ValueError('correlation needs f1 and f2 of one N x C x H x W '
                         f'shape, got {tuple(f1.shape)} and {tuple(f2.shape)}')
    if not isinstance(max_displacement, int) or max_displacement < 0:
        raise ValueError('max_displacement must be an int >= 0, got '
                         f'{max_displacement!r}')
    if not isinstance(stride, int) or stride < 1:
        raise ValueError(f'stride must be an int >= 1, got {stride!r}')


def _shifts(radius: int, stride: int):
    """(k, oy, ox): displacement index and its offset into the padded f2."""
    d = 2 * radius + 1
    return [(k, (k // d) * stride, (k % d) * stride) for k in range(d * d)]


def _correlation_forward(f1: torch.Tensor, f2: torch.Tensor, radius: int,
                         stride: int) -> torch.Tensor:
    n, c, h, w = f1.shape
    pad = radius * stride
    f2p = F.pad(f2, (pad, pad, pad, pad))
    out = f1.new_empty(n, (2 * radius + 1)**2, h, w)
    for k, oy, ox in _shifts(radius, stride):
        torch.sum(f1 * f2p[:, :, oy:oy + h, ox:ox + w], dim=1, out=out[:, k])
    return out.div_(c)


class _CorrelationReference(torch.autograd.Function):
    """Vectorized PyTorch forward and backward (one shift per displacement).

    The explicit backward accumulates into one padded gradient buffer
    instead of autograd's one padded buffer per displacement.
    """

    @staticmethod
    def forward(ctx, f1, f2, radius, stride):
        ctx.save_for_backward(f1, f2)
        ctx.radius, ctx.stride = radius, stride
        return _correlation_forward(f1, f2, radius, stride)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        f1, f2 = ctx.saved_tensors
        radius, stride = ctx.radius, ctx.stride
        n, c, h, w = f1.shape
        pad = radius * stride
        f2p = F.pad(f2, (pad, pad, pad, pad))
        grad_out = grad_out / c
        grad_f1 = torch.zeros_like(f1) if ctx.needs_input_grad[0] else None
        grad_f2p = torch.zeros_like(f2p) if ctx.needs_input_grad[1] else None
        for k, oy, ox in _shifts(radius, stride):
            g = grad_out[:, k:k + 1]
            if grad_f1 is not None:
                grad_f1.addcmul_(g, f2p[:, :, oy:oy + h, ox:ox + w])
            if grad_f2p is not None:
                grad_f2p[:, :, oy:oy + h, ox:ox + w].addcmul_(g, f1)
        grad_f2 = None if grad_f2p is None else \
            grad_f2p[:, :, pad:pad + h, pad:pad + w].contiguous()
        return grad_f1, grad_f2, None, None


def correlation_reference(f1: torch.Tensor,
                          f2: torch.Tensor,
                          max_displacement: int,
                          stride: int = 1) -> torch.Tensor:
    """PyTorch reference of :func:`correlation` (the CPU path).

    Vectorized over pixels: one padded shift of ``f2`` per displacement, in
    the forward and in the (explicit) backward.
    """
    _check(f1, f2, max_displacement, stride)
    return _CorrelationReference.apply(f1, f2, max_displacement // stride,
                                       stride)


class _CorrelationCUDA(torch.autograd.Function):

    @staticmethod
    def forward(ctx, f1, f2, max_displacement, stride):
        ctx.save_for_backward(f1, f2)
        ctx.max_displacement = max_displacement
        ctx.stride = stride
        return get_ext().correlation_forward(f1, f2, max_displacement, stride)

    @staticmethod
    def backward(ctx, grad_out):
        f1, f2 = ctx.saved_tensors
        grad_f1, grad_f2 = get_ext().correlation_backward(
            grad_out, f1, f2, ctx.max_displacement, ctx.stride)
        return grad_f1, grad_f2, None, None


def correlation(f1: torch.Tensor,
                f2: torch.Tensor,
                max_displacement: int,
                stride: int = 1) -> torch.Tensor:
    """Cost volume between feature maps ``f1`` and ``f2`` (N x C x H x W).

    Args:
        f1: features of the first frame.
        f2: features of the second frame (sampled at ``p + d``).
        max_displacement: largest displacement in pixels of the features.
        stride: step between sampled displacements.

    Returns:
        N x (2 * (max_displacement // stride) + 1)^2 x H x W, mean over
        channels; displacement index ``iy * D + ix`` (dy outer, dx inner).
        CUDA tensors use the compiled kernel when it is built.
    """
    _check(f1, f2, max_displacement, stride)
    if use_cuda_kernel(f1, f2):
        return _CorrelationCUDA.apply(f1, f2, max_displacement, stride)
    return correlation_reference(f1, f2, max_displacement, stride)
