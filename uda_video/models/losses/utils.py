"""Helpers on loss dicts (mmseg's ``{name: tensor}`` convention)."""
from typing import Dict

import torch


def scale_losses(losses: Dict[str, torch.Tensor],
                 weight: float) -> Dict[str, torch.Tensor]:
    """``losses`` with every loss term (keys containing 'loss') times
    ``weight``; other entries (accuracies) unchanged."""
    return {k: v * weight if 'loss' in k else v for k, v in losses.items()}
