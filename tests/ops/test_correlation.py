"""correlation reference against a direct per-pixel definition."""
import pytest
import torch

from uda_video.ops import correlation, correlation_reference


def naive_correlation(f1, f2, max_displacement, stride):
    """The definition, one pixel and one displacement at a time."""
    n, c, h, w = f1.shape
    r = max_displacement // stride
    d = 2 * r + 1
    out = torch.zeros(n, d * d, h, w, dtype=f1.dtype)
    for k in range(d * d):
        dy, dx = (k // d - r) * stride, (k % d - r) * stride
        for y in range(h):
            for x in range(w):
                y2, x2 = y + dy, x + dx
                if 0 <= y2 < h and 0 <= x2 < w:
                    out[:, k, y, x] = (f1[:, :, y, x] * f2[:, :, y2, x2]).mean(1)
    return out


@pytest.mark.parametrize('max_disp,stride', [(0, 1), (1, 1), (2, 1), (4, 2),
                                             (3, 2)])
def test_matches_definition(max_disp, stride):
    torch.manual_seed(0)
    f1, f2 = torch.randn(2, 2, 3, 5, 6).unbind(0)
    out = correlation(f1, f2, max_disp, stride)
    d = 2 * (max_disp // stride) + 1
    assert out.shape == (2, d * d, 5, 6)
    torch.testing.assert_close(out, naive_correlation(f1, f2, max_disp, stride))


def test_peak_at_true_shift():
    torch.manual_seed(1)
    f1 = torch.randn(1, 16, 9, 9)
    # f2(p + d) = f1(p) for d = (dy, dx) = (1, -2).
    f2 = torch.roll(f1, shifts=(1, -2), dims=(2, 3))
    out = correlation(f1, f2, 2, 1)
    k = (1 + 2) * 5 + (-2 + 2)
    assert (out[0, :, 3:6, 3:6].argmax(0) == k).all()


def test_gradcheck_reference():
    torch.manual_seed(0)
    f1 = torch.randn(1, 2, 3, 4, dtype=torch.double, requires_grad=True)
    f2 = torch.randn(1, 2, 3, 4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, b: correlation_reference(a, b, 2, 1), (f1, f2))


def test_bad_arguments_are_named():
    a = torch.zeros(1, 2, 3, 3)
    with pytest.raises(ValueError, match='same|shape'):
        correlation(a, torch.zeros(1, 2, 3, 4), 1, 1)
    with pytest.raises(ValueError, match='stride'):
        correlation(a, a, 1, 0)
    with pytest.raises(ValueError, match='max_displacement'):
        correlation(a, a, -1, 1)
