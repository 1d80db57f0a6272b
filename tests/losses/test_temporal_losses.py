"""Temporal loss and motion-guided distillation: zero when consistent, grows with motion."""
import pytest
import torch

from uda_video.models.losses import (MotionDistillLoss, TemporalConsistencyLoss,
                                     motion_distill_loss,
                                     temporal_consistency_loss)


def stripes(shift=0, n=1, k=3, h=12, w=16):
    """Logits of vertical class stripes of width 4, moved right by ``shift`` px."""
    cls = ((torch.arange(w) - shift).div(4, rounding_mode='floor') % k)
    logits = 8.0 * torch.nn.functional.one_hot(cls, k).T.float()  # k x w
    return logits.view(1, k, 1, w).expand(n, k, h, w).contiguous()


def zero_flow(n=1, h=12, w=16):
    return torch.zeros(n, 2, h, w)


def test_temporal_loss_zero_for_identical_frames_and_zero_flow():
    x = stripes()
    # Zero up to the rounding of sampling at pixel centres.
    assert float(temporal_consistency_loss(x, x.clone(), zero_flow())) < 1e-10


def test_temporal_loss_grows_with_shift():
    cur = stripes()
    losses = [
        float(temporal_consistency_loss(cur, stripes(shift=s), zero_flow()))
        for s in (0, 1, 2)
    ]
    assert losses[0] < 1e-10
    assert 0 < losses[1] < losses[2]


def test_temporal_loss_compensated_by_flow_and_masked():
    # The previous frame is the current one moved right by 2 px: the flow
    # t -> t-1 is u = +2 everywhere; out-of-frame pixels are masked out.
    cur, prev = stripes(), stripes(shift=2)
    flow = zero_flow()
    flow[:, 0] = 2.0
    mask = torch.ones(1, 1, 12, 16)
    mask[..., -2:] = 0
    assert float(temporal_consistency_loss(cur, prev, flow, mask)) < 1e-10
    assert float(temporal_consistency_loss(cur, prev, zero_flow(), mask)) > 0.1


def test_temporal_loss_gradient_and_errors():
    cur = stripes().requires_grad_()
    prev = stripes(shift=1).requires_grad_()
    temporal_consistency_loss(cur, prev, zero_flow(), detach_prev=True).backward()
    assert cur.grad.abs().sum() > 0 and prev.grad is None
    with pytest.raises(ValueError, match='flow must be'):
        temporal_consistency_loss(cur, prev, torch.zeros(1, 2, 6, 8))
    with pytest.raises(ValueError, match='mask must be'):
        temporal_consistency_loss(cur, prev, zero_flow(), torch.ones(1, 12, 16))


def test_temporal_loss_module_weight():
    cur, prev = stripes(), stripes(shift=1)
    plain = temporal_consistency_loss(cur, prev, zero_flow())
    module = TemporalConsistencyLoss(loss_weight=0.5)
    torch.testing.assert_close(module(cur, prev, zero_flow()), 0.5 * plain)
    assert module.loss_name == 'loss_temporal'


def test_motion_distill_zero_iff_student_matches_teacher():
    torch.manual_seed(0)
    t_cur, t_prev = torch.randn(2, 3, 12, 16), torch.randn(2, 3, 12, 16)
    flow = torch.randn(2, 2, 12, 16)
    same = motion_distill_loss(t_cur.clone(), t_prev.clone(), t_cur, t_prev,
                               flow)
    assert float(same) == 0
    s_cur = (t_cur + torch.randn_like(t_cur)).requires_grad_()
    differ = MotionDistillLoss()(s_cur, t_prev, t_cur, t_prev, flow)
    assert float(differ) > 0
    differ.backward()
    assert s_cur.grad.abs().sum() > 0
