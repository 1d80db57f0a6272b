"""The one in-frame mask: where a backward flow samples inside the frame."""
import pytest
import torch

from uda_video.ops import fb_consistency_mask, flow_warp, in_frame_mask


def shift(u, v, n=1, h=4, w=6):
    flow = torch.zeros(n, 2, h, w)
    flow[:, 0], flow[:, 1] = u, v
    return flow


def test_integer_shift_masks_the_columns_and_rows_that_leave():
    mask = in_frame_mask(shift(2.0, -1.0))
    assert mask.shape == (1, 4, 6) and mask.dtype == torch.bool
    expected = torch.zeros(4, 6, dtype=torch.bool)
    expected[1:, :4] = True  # x + 2 <= 5 and y - 1 >= 0
    assert torch.equal(mask[0], expected)
    assert in_frame_mask(shift(0.0, 0.0)).all()


def test_mask_is_where_a_zero_padded_warp_keeps_everything():
    flow = torch.randn(2, 2, 5, 7) * 3
    ones = flow_warp(torch.ones(2, 1, 5, 7), flow)[:, 0]
    inside = in_frame_mask(flow)
    assert torch.allclose(ones[inside], torch.ones(()))
    assert (ones[~inside] < 1 - 1e-6).all()


def test_nearest_mode_keeps_samples_that_round_inside():
    # x = -0.4 rounds to column 0 (kept by a nearest warp), not bilinear.
    flow = shift(-0.4, 0.0)
    assert not in_frame_mask(flow)[0, :, 0].any()
    assert in_frame_mask(flow, mode='nearest')[0, :, 0].all()
    warped = flow_warp(torch.ones(1, 1, 4, 6), flow, mode='nearest')
    assert torch.equal(warped[:, 0] > 0.5, in_frame_mask(flow, 'nearest'))


def test_fb_mask_excludes_pixels_that_leave_the_frame():
    fw = shift(1.0, 0.0)
    mask = fb_consistency_mask(fw, -fw)
    assert torch.equal(mask[:, 0].bool(), in_frame_mask(fw))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='N x 2 x H x W'):
        in_frame_mask(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="'bicubic'"):
        in_frame_mask(shift(0, 0), mode='bicubic')
