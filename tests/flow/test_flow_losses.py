"""End-point error, target downsampling, multi-scale EPE."""
import pytest
import torch

from uda_video.models.flow import (MultiScaleEPELoss, downsample_flow_target,
                                   endpoint_error, multiscale_epe)


def const(n, h, w, u, v):
    f = torch.zeros(n, 2, h, w)
    f[:, 0], f[:, 1] = u, v
    return f


def test_endpoint_error_is_euclidean():
    assert float(endpoint_error(const(1, 2, 2, 3, 4), const(1, 2, 2, 0, 0))) \
        == pytest.approx(5.0)


def test_endpoint_error_ignores_invalid_pixels():
    pred = const(1, 2, 2, 0, 0)
    target = const(1, 2, 2, 0, 0)
    target[0, 0, 0, 0] = 100.0
    valid = torch.ones(1, 2, 2, dtype=torch.bool)
    assert float(endpoint_error(pred, target)) == pytest.approx(25.0)
    valid[0, 0, 0] = False
    assert float(endpoint_error(pred, target, valid)) == 0.0


def test_downsample_target_rescales_and_skips_invalid():
    target = const(1, 8, 8, 4, -2)
    target[0, :, :4, :4] = 1000.0  # invalid garbage
    valid = torch.ones(1, 8, 8, dtype=torch.bool)
    valid[0, :4, :4] = False
    out, val = downsample_flow_target(target, valid, (4, 4))
    # Quadrant (0, 0) of the coarse map is invalid; the rest is the flow / 2.
    assert not val[0, :2, :2].any() and val[0, 2:].all()
    torch.testing.assert_close(out[0, :, 2:, 2:], const(1, 2, 2, 2, -1)[0])


def test_multiscale_epe_zero_on_exact_pyramid_and_weighted():
    target = const(2, 32, 32, 8, 4)
    preds = [const(2, 8, 8, 2, 1), const(2, 4, 4, 1, 0.5)]
    total, levels = multiscale_epe(preds, target, (1.0, 1.0))
    assert float(total) == pytest.approx(0.0, abs=1e-6)
    preds[1] = const(2, 4, 4, 1 + 3, 0.5 + 4)  # level-2 error of 5
    total, levels = multiscale_epe(preds, target, (1.0, 0.5))
    assert float(levels[1]) == pytest.approx(5.0)
    assert float(total) == pytest.approx(2.5)
    loss = MultiScaleEPELoss(weights=(1.0, 0.5), loss_weight=2.0)
    assert float(loss(preds, target)) == pytest.approx(5.0)


def test_too_few_weights_is_an_error():
    with pytest.raises(ValueError, match='weights'):
        multiscale_epe([const(1, 2, 2, 0, 0)] * 3, const(1, 8, 8, 0, 0),
                       (1.0, ))
