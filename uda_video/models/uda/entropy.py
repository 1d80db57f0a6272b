"""Entropy minimisation (ADVENT's MinEnt): source supervision plus the mean
normalised entropy of the target key frame's prediction."""
from typing import Dict

import torch

from uda_video.registry import MODELS
from .base import ConfigType, UDASegmentor
from .losses import entropy_loss


@MODELS.register_module()
class EntropyMinUDA(UDASegmentor):
    """Args: segmentor; lambda_ent: weight of the target entropy term;
    kwargs: ``source_loss_weight``, ``data_preprocessor``, ``init_cfg`` of
    :class:`UDASegmentor`."""

    def __init__(self, segmentor: ConfigType, lambda_ent: float = 0.001,
                 **kwargs) -> None:
        super().__init__(segmentor=segmentor, **kwargs)
        self.lambda_ent = lambda_ent

    def train_losses(self, data: dict) -> Dict[str, torch.Tensor]:
        losses = super().train_losses(data)
        tgt_clips, _ = self.target_step(data, 1)
        tgt = self.frame_outputs(tgt_clips, 1)
        losses['tgt.ent.loss'] = self.lambda_ent * entropy_loss(
            tgt['seg'][:, 0])
        return losses
