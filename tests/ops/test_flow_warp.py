"""flow_warp reference: identity, exact integer shifts, padding, gradients."""
import pytest
import torch

from uda_video.ops import flow_warp, flow_warp_reference, resize_flow
from uda_video.ops.flow_warp import flow_to_grid


def _const_flow(n, h, w, u, v, dtype=torch.float32):
    flow = torch.zeros(n, 2, h, w, dtype=dtype)
    flow[:, 0] = u
    flow[:, 1] = v
    return flow


@pytest.mark.parametrize('mode', ['bilinear', 'nearest'])
@pytest.mark.parametrize('padding_mode', ['zeros', 'border', 'reflection'])
def test_zero_flow_is_identity(mode, padding_mode):
    x = torch.randn(2, 3, 7, 9)
    out = flow_warp(x, torch.zeros(2, 2, 7, 9), mode=mode,
                    padding_mode=padding_mode)
    torch.testing.assert_close(out, x, rtol=0, atol=1e-6)


@pytest.mark.parametrize('u,v', [(1, 0), (0, 2), (-2, 1), (3, -3)])
def test_integer_shift_is_exact(u, v):
    h, w = 8, 10
    x = torch.randn(1, 4, h, w)
    out = flow_warp(x, _const_flow(1, h, w, u, v))
    # out(y, x) = x(y + v, x + u), zero outside.
    expected = torch.zeros_like(x)
    ys = slice(max(0, -v), min(h, h - v))
    xs = slice(max(0, -u), min(w, w - u))
    src_y = slice(ys.start + v, ys.stop + v)
    src_x = slice(xs.start + u, xs.stop + u)
    expected[..., ys, xs] = x[..., src_y, src_x]
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)


def test_half_pixel_shift_averages_neighbours():
    x = torch.arange(5.).view(1, 1, 1, 5).repeat(1, 1, 3, 1)
    out = flow_warp(x, _const_flow(1, 3, 5, 0.5, 0))
    torch.testing.assert_close(out[0, 0, 1, :4], torch.tensor([.5, 1.5, 2.5, 3.5]))


def test_border_padding_repeats_edge():
    x = torch.randn(1, 2, 4, 6)
    out = flow_warp(x, _const_flow(1, 4, 6, 100, 0), padding_mode='border')
    torch.testing.assert_close(out, x[..., -1:].expand_as(x))
    out0 = flow_warp(x, _const_flow(1, 4, 6, 100, 0))
    assert torch.count_nonzero(out0) == 0


def test_gradcheck_reference():
    torch.manual_seed(0)
    x = torch.randn(1, 2, 4, 5, dtype=torch.double, requires_grad=True)
    # Fractional positions: bilinear is smooth away from integer coordinates.
    flow = (torch.rand(1, 2, 4, 5, dtype=torch.double) * 2.6 - 1.3 + 0.05)
    flow.requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda a, b: flow_warp_reference(a, b), (x, flow), eps=1e-6,
        atol=1e-5)


@pytest.mark.parametrize('bad', [
    dict(x=torch.zeros(1, 3, 4, 4), flow=torch.zeros(1, 3, 4, 4)),
    dict(x=torch.zeros(1, 3, 4, 4), flow=torch.zeros(1, 2, 4, 5)),
    dict(x=torch.zeros(3, 4, 4), flow=torch.zeros(1, 2, 4, 4)),
])
def test_bad_shapes_are_named(bad):
    with pytest.raises(ValueError, match='flow|x'):
        flow_warp(bad['x'], bad['flow'])


def test_bad_mode_is_named():
    with pytest.raises(ValueError, match="'bicubicx'"):
        flow_warp(torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2, 2),
                  mode='bicubicx')


def test_resize_flow_scales_values():
    flow = _const_flow(1, 4, 6, 1.5, -2.0)
    up = resize_flow(flow, (8, 18))
    assert up.shape == (1, 2, 8, 18)
    torch.testing.assert_close(up[:, 0], torch.full((1, 8, 18), 4.5))
    torch.testing.assert_close(up[:, 1], torch.full((1, 8, 18), -4.0))
    down = resize_flow(up, (4, 6), mode='area')
    torch.testing.assert_close(down, flow)


def test_fb_consistency_mask_keeps_consistent_in_frame_pixels():
    from uda_video.ops import fb_consistency_mask
    fw = _const_flow(1, 6, 8, 2, 0)
    bw = _const_flow(1, 6, 8, -2, 0)
    mask = fb_consistency_mask(fw, bw)  # N x 1 x H x W, 1 = visible
    assert mask.shape == (1, 1, 6, 8)
    assert (mask[0, 0, :, :6] == 1).all() and not mask[0, 0, :, 6:].any()
    bad = bw.clone()
    bad[0, :, :, 4:] = 3.0  # inconsistent where fw lands at x >= 4
    mask = fb_consistency_mask(fw, bad)
    assert (mask[0, 0, :, :2] == 1).all() and not mask[0, 0, :, 2:].any()


def test_cpu_tensors_never_dispatch_to_the_extension(monkeypatch):
    import uda_video.ops.ext as ext

    class Exploding:
        def __getattr__(self, name):
            raise AssertionError(f'extension called: {name}')

    monkeypatch.setattr(ext, '_ext', Exploding())
    x, flow = torch.randn(1, 2, 4, 4), torch.randn(1, 2, 4, 4)
    assert not ext.use_cuda_kernel(x, flow)
    torch.testing.assert_close(flow_warp(x, flow), flow_warp_reference(x, flow))
    monkeypatch.setenv('UDA_VIDEO_DISABLE_EXT', '1')
    assert not ext.use_cuda_kernel(x, flow)


def test_low_precision_warps_on_a_float32_grid():
    # A 512-pixel-wide row shifted by 0.5 px: a bfloat16 grid (8 bits of
    # mantissa) cannot place samples between pixels this far right.
    w = 512
    x = torch.arange(w, dtype=torch.float32).view(1, 1, 1, w).repeat(1, 1, 2, 1)
    flow = torch.zeros(1, 2, 2, w)
    flow[:, 0] = 0.5
    xb = x.bfloat16()
    out = flow_warp(xb, flow.bfloat16())
    assert out.dtype == torch.bfloat16
    # the only error left is bfloat16's rounding of the sampled values
    ref = flow_warp(xb.float(), flow).bfloat16()
    torch.testing.assert_close(out.float(), ref.float(), rtol=0, atol=0)
    # a bfloat16 grid would not have placed the samples half-way
    coarse = torch.nn.functional.grid_sample(
        xb, flow_to_grid(flow.bfloat16()), align_corners=True)
    assert not torch.equal(coarse, out)
