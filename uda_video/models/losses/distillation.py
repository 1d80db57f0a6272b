"""Knowledge-distillation losses from a frozen teacher (the teacher gets no gradient).

Shapes: logits N x K x H x W, features N x C x H x W. A teacher map of another
spatial size is resized (bilinear) to the student's; channel counts must match
(project the student first where they differ).
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from uda_video.registry import MODELS


def _to_student_size(teacher: torch.Tensor,
                     student: torch.Tensor) -> torch.Tensor:
    if teacher.dim() != 4 or student.dim() != 4:
        raise ValueError('distillation expects N x C x H x W maps, got '
                         f'student {tuple(student.shape)} and teacher '
                         f'{tuple(teacher.shape)}')
    if teacher.shape[:2] != student.shape[:2]:
        raise ValueError(f'student {tuple(student.shape)} and teacher '
                         f'{tuple(teacher.shape)} differ in N or C')
    teacher = teacher.detach()
    if teacher.shape[2:] != student.shape[2:]:
        teacher = F.interpolate(teacher, size=student.shape[2:],
                                mode='bilinear', align_corners=False)
    return teacher


def pixel_kl_distill(student_logits: torch.Tensor,
                     teacher_logits: torch.Tensor,
                     temperature: float = 1.0,
                     mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Pixel-wise KL(p_teacher || p_student) of scores softened by ``temperature``.

    Averaged over pixels (those with ``mask`` = 1, mask N x 1 x H x W) and
    multiplied by ``temperature ** 2`` so gradients keep their scale.
    """
    teacher_logits = _to_student_size(teacher_logits, student_logits)
    log_s = F.log_softmax(student_logits / temperature, dim=1)
    log_t = F.log_softmax(teacher_logits / temperature, dim=1)
    kl = (log_t.exp() * (log_t - log_s)).sum(1, keepdim=True)
    if mask is not None:
        kl = (kl * mask).sum() / mask.sum().clamp(min=1.0)
    else:
        kl = kl.mean()
    return kl * temperature**2


def affinity(feat: torch.Tensor) -> torch.Tensor:
    """Cosine affinity between all positions: N x C x H x W -> N x HW x HW."""
    flat = F.normalize(feat.flatten(2), dim=1)
    return flat.transpose(1, 2) @ flat


def pairwise_affinity_distill(student_feat: torch.Tensor,
                              teacher_feat: torch.Tensor,
                              pool_size: Optional[int] = None) -> torch.Tensor:
    """Pair-wise distillation: mean squared difference of position affinities.

    Channel counts may differ (affinities are HW x HW). ``pool_size`` > 1
    average-pools both maps by that factor first (each node then stands for a
    ``pool_size`` x ``pool_size`` patch), keeping the HW x HW matrix small.
    """
    if student_feat.dim() != 4 or teacher_feat.dim() != 4:
        raise ValueError('pair-wise distillation expects N x C x H x W maps, '
                         f'got {tuple(student_feat.shape)} and '
                         f'{tuple(teacher_feat.shape)}')
    teacher_feat = teacher_feat.detach()
    if teacher_feat.shape[2:] != student_feat.shape[2:]:
        teacher_feat = F.interpolate(teacher_feat, size=student_feat.shape[2:],
                                     mode='bilinear', align_corners=False)
    if pool_size is not None and pool_size > 1:
        student_feat = F.avg_pool2d(student_feat, pool_size, ceil_mode=True)
        teacher_feat = F.avg_pool2d(teacher_feat, pool_size, ceil_mode=True)
    return (affinity(student_feat) - affinity(teacher_feat)).pow(2).mean()


def feature_mse_distill(student_feat: torch.Tensor,
                        teacher_feat: torch.Tensor) -> torch.Tensor:
    """Mean squared error between a student and a teacher feature map."""
    return F.mse_loss(student_feat, _to_student_size(teacher_feat,
                                                     student_feat))


def grouped_feature_distill(student_feats: Sequence[torch.Tensor],
                            teacher_feat: torch.Tensor) -> torch.Tensor:
    """Grouped distillation: the i-th of G student maps mimics the i-th channel group.

    ``teacher_feat`` (N x C x H x W) is split into G equal channel groups;
    ``student_feats[i]`` must be N x C/G x h x w. Returns the mean of the G
    feature MSEs.
    """
    groups = len(student_feats)
    if groups == 0:
        raise ValueError('grouped_feature_distill needs at least one map')
    if teacher_feat.shape[1] % groups:
        raise ValueError(f'teacher channels {teacher_feat.shape[1]} do not '
                         f'split into {groups} groups')
    chunks = teacher_feat.chunk(groups, dim=1)
    return sum(
        feature_mse_distill(s, t)
        for s, t in zip(student_feats, chunks)) / groups


class _WeightedLoss(nn.Module):
    """``loss_weight`` x the pure function ``loss_fn`` of the inputs, logged
    as ``loss_name``."""
    loss_fn = None

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, *inputs):
        return self.loss_weight * self.loss_fn(*inputs)


@MODELS.register_module()
class PixelDistillLoss(_WeightedLoss):
    """Module form of :func:`pixel_kl_distill`."""

    def __init__(self,
                 temperature: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pixel_kd') -> None:
        super().__init__(loss_weight, loss_name)
        self.temperature = temperature

    def forward(self, student_logits, teacher_logits, mask=None):
        return self.loss_weight * pixel_kl_distill(
            student_logits, teacher_logits, self.temperature, mask)


@MODELS.register_module()
class PairwiseDistillLoss(_WeightedLoss):
    """Module form of :func:`pairwise_affinity_distill`."""

    def __init__(self,
                 pool_size: Optional[int] = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pair_kd') -> None:
        super().__init__(loss_weight, loss_name)
        self.pool_size = pool_size

    def forward(self, student_feat, teacher_feat):
        return self.loss_weight * pairwise_affinity_distill(
            student_feat, teacher_feat, self.pool_size)


@MODELS.register_module()
class FeatureDistillLoss(_WeightedLoss):
    """Module form of :func:`feature_mse_distill`: called on
    (student_feat, teacher_feat)."""
    loss_fn = staticmethod(feature_mse_distill)

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_feat_kd') -> None:
        super().__init__(loss_weight, loss_name)


@MODELS.register_module()
class GroupedFeatureDistillLoss(_WeightedLoss):
    """Module form of :func:`grouped_feature_distill`: called on
    (student_feats, teacher_feat)."""
    loss_fn = staticmethod(grouped_feature_distill)

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_group_kd') -> None:
        super().__init__(loss_weight, loss_name)
