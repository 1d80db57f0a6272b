"""Compiled kernels == PyTorch references (runs where CUDA and the build exist)."""
import pytest
import torch

from uda_video.ops import (correlation, correlation_reference, flow_warp,
                           flow_warp_reference, get_ext)

pytestmark = [
    pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA'),
    pytest.mark.skipif(
        get_ext() is None,
        reason='uda_video.ops._ext not built (pip install -e . on a CUDA '
        'machine builds it)'),
]


def _both(fn_kernel, fn_ref, inputs):
    """Forward outputs and input gradients of both paths for one cotangent."""
    results = []
    torch.manual_seed(0)
    cot = None
    for fn in (fn_kernel, fn_ref):
        leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
        out = fn(*leaves)
        if cot is None:
            cot = torch.randn_like(out)
        out.backward(cot)
        results.append((out.detach(), [t.grad for t in leaves]))
    return results


@pytest.mark.parametrize('padding_mode', ['zeros', 'border'])
def test_flow_warp_kernel_matches_reference(padding_mode):
    torch.manual_seed(0)
    x = torch.randn(2, 5, 11, 13, device='cuda')
    flow = torch.randn(2, 2, 11, 13, device='cuda') * 4
    (o1, g1), (o2, g2) = _both(
        lambda a, f: flow_warp(a, f, padding_mode=padding_mode),
        lambda a, f: flow_warp_reference(a, f, padding_mode=padding_mode),
        [x, flow])
    torch.testing.assert_close(o1, o2, rtol=1e-5, atol=1e-5)
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('max_disp,stride', [(3, 1), (4, 2)])
def test_correlation_kernel_matches_reference(max_disp, stride):
    torch.manual_seed(0)
    f1 = torch.randn(2, 6, 9, 10, device='cuda')
    f2 = torch.randn(2, 6, 9, 10, device='cuda')
    (o1, g1), (o2, g2) = _both(
        lambda a, b: correlation(a, b, max_disp, stride),
        lambda a, b: correlation_reference(a, b, max_disp, stride), [f1, f2])
    torch.testing.assert_close(o1, o2, rtol=1e-5, atol=1e-5)
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_kernels_gradcheck_double():
    x = torch.randn(1, 2, 4, 5, dtype=torch.double, device='cuda',
                    requires_grad=True)
    flow = (torch.rand(1, 2, 4, 5, dtype=torch.double, device='cuda') * 2.6
            - 1.25).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: flow_warp(a, b), (x, flow),
                                    eps=1e-6, atol=1e-5)
    f1 = torch.randn(1, 2, 3, 4, dtype=torch.double, device='cuda',
                     requires_grad=True)
    f2 = torch.randn_like(f1).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: correlation(a, b, 2, 1),
                                    (f1, f2))
