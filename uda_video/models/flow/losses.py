"""End-point error and the multi-scale EPE loss of FlowNet training."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from uda_video.ops import resize_flow
from uda_video.registry import MODELS


def endpoint_error(pred: torch.Tensor,
                   target: torch.Tensor,
                   valid: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Mean Euclidean distance between flows N x 2 x H x W over valid pixels.

    ``valid`` is N x H x W (bool or 0/1); with no valid pixel the result is 0
    (and still differentiable).
    """
    if pred.shape != target.shape:
        raise ValueError(f'pred {tuple(pred.shape)} and target '
                         f'{tuple(target.shape)} differ in shape')
    epe = torch.linalg.vector_norm(pred - target, dim=1)
    if valid is None:
        return epe.mean()
    valid = valid.to(epe.dtype)
    return (epe * valid).sum() / valid.sum().clamp(min=1.0)


def downsample_flow_target(
        target: torch.Tensor, valid: Optional[torch.Tensor],
        size: Sequence[int]) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """Area-average a dense target (N x 2 x H x W) to ``size``, rescaled.

    Invalid pixels are left out of the average; a coarse pixel is valid when
    more than half of its area is.
    """
    if valid is None:
        return resize_flow(target, size, mode='area'), None
    v = valid.to(target.dtype).unsqueeze(1)
    num = resize_flow(target * v, size, mode='area')
    den = F.interpolate(v, size=tuple(size), mode='area')
    out = num / den.clamp(min=1e-6)
    return out, den.squeeze(1) > 0.5


def multiscale_epe(preds: Sequence[torch.Tensor],
                   target: torch.Tensor,
                   weights: Sequence[float],
                   valid: Optional[torch.Tensor] = None
                   ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
    """Weighted sum of per-level EPEs.

    Args:
        preds: flows finest first, each N x 2 x h_l x w_l in pixels of its
            own resolution.
        target: full-resolution ground truth N x 2 x H x W (pixels).
        weights: one weight per level (finest first).
        valid: optional N x H x W mask of the target.

    Returns:
        (total, [EPE of each level]).
    """
    if len(weights) < len(preds):
        raise ValueError(f'{len(preds)} flow levels but only {len(weights)} '
                         f'weights {tuple(weights)}')
    total = target.new_zeros(())
    per_level = []
    for pred, weight in zip(preds, weights):
        tgt, val = downsample_flow_target(target, valid, pred.shape[2:])
        epe = endpoint_error(pred, tgt, val)
        per_level.append(epe)
        total = total + weight * epe
    return total, per_level


@MODELS.register_module()
class MultiScaleEPELoss(nn.Module):
    """:func:`multiscale_epe` as a loss module.

    Args:
        weights: per-level weights, finest first (FlowNet's schedule by
            default).
        loss_weight: overall factor.
    """

    def __init__(self,
                 weights: Sequence[float] = (0.32, 0.08, 0.02, 0.01, 0.005),
                 loss_weight: float = 1.0):
        super().__init__()
        self.weights = tuple(float(w) for w in weights)
        self.loss_weight = float(loss_weight)

    def forward(self,
                preds: Sequence[torch.Tensor],
                target: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        total, _ = multiscale_epe(preds, target, self.weights, valid)
        return self.loss_weight * total
