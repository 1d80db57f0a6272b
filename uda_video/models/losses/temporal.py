"""Temporal losses on consecutive frames, aligned by optical flow.

Shapes: scores N x K x H x W (logits; softmax is taken inside), flow
N x 2 x H x W in pixels from the current frame t to the previous frame t-1
(the backward flow of docs/conventions.md: ``flow_warp(x_prev, flow)`` is
``x_prev`` seen from frame t), masks N x 1 x H x W with 1 = visible.
"""
from typing import Optional

import torch
import torch.nn as nn

from uda_video.ops import flow_warp
from uda_video.registry import MODELS


def _masked_mean(sq_err: torch.Tensor,
                 mask: Optional[torch.Tensor]) -> torch.Tensor:
    """Mean over pixels of ``sq_err`` (N x 1 x H x W) where ``mask`` is 1."""
    if mask is None:
        return sq_err.mean()
    if mask.shape != sq_err.shape:
        raise ValueError(f'mask must be {tuple(sq_err.shape)}, got '
                         f'{tuple(mask.shape)}')
    return (sq_err * mask).sum() / mask.sum().clamp(min=1.0)


def _check_pair(cur: torch.Tensor, prev: torch.Tensor,
                flow: torch.Tensor) -> None:
    if cur.dim() != 4 or cur.shape != prev.shape:
        raise ValueError('current and previous scores must both be '
                         f'N x K x H x W; got {tuple(cur.shape)} and '
                         f'{tuple(prev.shape)}')
    if flow.shape != (cur.shape[0], 2, *cur.shape[2:]):
        raise ValueError(f'flow must be {(cur.shape[0], 2, *cur.shape[2:])} '
                         f'(N x 2 x H x W at the scores size), got '
                         f'{tuple(flow.shape)}')


def temporal_consistency_loss(cur_logits: torch.Tensor,
                              prev_logits: torch.Tensor,
                              flow: torch.Tensor,
                              mask: Optional[torch.Tensor] = None,
                              detach_prev: bool = False) -> torch.Tensor:
    """Squared distance between p_t and p_{t-1} warped onto t, on visible pixels.

    ``L = sum_p m(p) |softmax(s_t)(p) - warp(softmax(s_{t-1}), flow)(p)|^2
    / sum_p m(p)``. Zero for identical frames under zero flow.

    Args:
        cur_logits, prev_logits: N x K x H x W scores of frames t and t-1.
        flow: N x 2 x H x W, t -> t-1, pixels.
        mask: N x 1 x H x W, 1 where the pixel of t is visible in t-1.
        detach_prev: stop the gradient through the previous frame.
    """
    _check_pair(cur_logits, prev_logits, flow)
    prev = prev_logits.softmax(1)
    if detach_prev:
        prev = prev.detach()
    warped = flow_warp(prev, flow)
    sq_err = (cur_logits.softmax(1) - warped).pow(2).sum(1, keepdim=True)
    return _masked_mean(sq_err, mask)


def motion_distill_loss(student_cur: torch.Tensor,
                        student_prev: torch.Tensor,
                        teacher_cur: torch.Tensor,
                        teacher_prev: torch.Tensor,
                        flow: torch.Tensor,
                        mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Motion-guided temporal distillation: match the teacher's frame-to-frame change.

    The change of a model between t-1 and t, compensated by motion, is
    ``d = softmax(s_t) - warp(softmax(s_{t-1}), flow)``; the loss is the masked
    mean of ``|d_student - d_teacher|^2`` (the teacher is not differentiated).
    Zero when the student equals the teacher.
    """
    _check_pair(student_cur, student_prev, flow)
    _check_pair(teacher_cur, teacher_prev, flow)
    if student_cur.shape != teacher_cur.shape:
        raise ValueError(f'student scores {tuple(student_cur.shape)} and '
                         f'teacher scores {tuple(teacher_cur.shape)} differ')
    d_s = student_cur.softmax(1) - flow_warp(student_prev.softmax(1), flow)
    with torch.no_grad():
        d_t = teacher_cur.softmax(1) - flow_warp(teacher_prev.softmax(1), flow)
    sq_err = (d_s - d_t).pow(2).sum(1, keepdim=True)
    return _masked_mean(sq_err, mask)


@MODELS.register_module()
class TemporalConsistencyLoss(nn.Module):
    """Module form of :func:`temporal_consistency_loss` (ETC's temporal loss)."""

    def __init__(self,
                 loss_weight: float = 1.0,
                 detach_prev: bool = False,
                 loss_name: str = 'loss_temporal') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.detach_prev = detach_prev
        self._loss_name = loss_name

    def forward(self, cur_logits, prev_logits, flow, mask=None):
        return self.loss_weight * temporal_consistency_loss(
            cur_logits, prev_logits, flow, mask, detach_prev=self.detach_prev)

    @property
    def loss_name(self) -> str:
        return self._loss_name


@MODELS.register_module()
class MotionDistillLoss(nn.Module):
    """Module form of :func:`motion_distill_loss`."""

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_motion_kd') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, student_cur, student_prev, teacher_cur, teacher_prev,
                flow, mask=None):
        return self.loss_weight * motion_distill_loss(
            student_cur, student_prev, teacher_cur, teacher_prev, flow, mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name
