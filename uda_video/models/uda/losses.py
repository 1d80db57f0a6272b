"""Pure loss functions of the UDA methods (no model state).

Shapes: logits / probabilities N x K x H x W (K classes); discriminator outputs
N x 1 x h x w (any shape). Domain labels: source = 1, target = 0.
"""
import math
from typing import Tuple

import torch
import torch.nn.functional as F

from .pseudo_labels import IGNORE_INDEX

SOURCE_LABEL = 1.0
TARGET_LABEL = 0.0
GAN_TYPES = ('ls', 'bce')


def entropy_map(probs: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Per-pixel Shannon entropy normalised to [0, 1].

    Args:
        probs: N x K x H x W softmax probabilities.

    Returns:
        N x H x W, ``-sum_k p log p / log K``.
    """
    num_classes = probs.size(1)
    ent = -(probs * torch.log(probs + eps)).sum(1)
    return ent / math.log(max(num_classes, 2))


def entropy_loss(logits: torch.Tensor) -> torch.Tensor:
    """Mean normalised entropy of the softmax of ``logits`` (N x K x H x W).

    Minimising it is entropy minimisation (the ADVENT "MinEnt" baseline).
    """
    return entropy_map(F.softmax(logits, dim=1)).mean()


def pseudo_label_loss(logits: torch.Tensor,
                      labels: torch.Tensor) -> Tuple[torch.Tensor,
                                                     torch.Tensor]:
    """Cross entropy of a prediction on pseudo labels.

    Args:
        logits: N x K x h x w, upsampled (bilinear) to the labels' size and
            computed in float32.
        labels: N x H x W pseudo labels (255 = not labelled).

    Returns:
        (loss, kept): the mean cross entropy over labelled pixels (a zero that
        keeps the graph when no pixel is labelled) and the fraction of
        labelled pixels.
    """
    logits = F.interpolate(logits.float(), size=labels.shape[-2:],
                           mode='bilinear', align_corners=False)
    valid = labels != IGNORE_INDEX
    if valid.any():
        loss = F.cross_entropy(logits, labels, ignore_index=IGNORE_INDEX)
    else:
        loss = logits.sum() * 0.0
    return loss, valid.float().mean()


def adversarial_loss(d_out: torch.Tensor, is_source: bool,
                     gan_type: str = 'ls') -> torch.Tensor:
    """GAN loss of discriminator outputs against one domain label.

    Args:
        d_out: raw discriminator outputs (logits), any shape.
        is_source: the label the outputs are pushed towards (source = 1).
        gan_type: 'ls' (least squares, outputs regress the label) or
            'bce' (binary cross entropy on logits).
    """
    label = SOURCE_LABEL if is_source else TARGET_LABEL
    target = torch.full_like(d_out, label)
    if gan_type == 'ls':
        return F.mse_loss(d_out, target)
    if gan_type == 'bce':
        return F.binary_cross_entropy_with_logits(d_out, target)
    raise ValueError(f'gan_type must be one of {GAN_TYPES}, got {gan_type!r}')


def self_information(probs: torch.Tensor, eps: float = 1e-30) -> torch.Tensor:
    """AdvEnt's weighted self-information maps, ``-p log p / log K`` per class.

    Args:
        probs: softmax probabilities with classes on dim -3
            (N x K x H x W or N x T x K x H x W).

    Returns:
        The same shape; summed over classes it is :func:`entropy_map`.
    """
    num_classes = probs.size(-3)
    return -probs * torch.log(probs + eps) / math.log(max(num_classes, 2))
