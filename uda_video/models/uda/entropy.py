"""Entropy minimisation (ADVENT's MinEnt): source supervision plus the mean
normalised entropy of the target key frame's prediction."""
from typing import Dict, Optional, Union

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from uda_video.registry import MODELS
from .base import ConfigType, UDASegmentor, sub_wrapper
from .losses import entropy_loss


@MODELS.register_module()
class EntropyMinUDA(UDASegmentor):
    """Args: segmentor; lambda_ent: weight of the target entropy term."""

    def __init__(self, segmentor: ConfigType, lambda_ent: float = 0.001,
                 source_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(segmentor=segmentor,
                         source_loss_weight=source_loss_weight,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.lambda_ent = lambda_ent

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, torch.Tensor]:
        seg_wrapper = sub_wrapper(optim_wrapper, 'segmentor')
        with seg_wrapper.optim_context(self.segmentor):
            losses, _ = self.source_step(data, with_aux=True)
            tgt_clips, _ = self.preprocess(data, 'target')
            tgt = self.frame_outputs(tgt_clips, 1)
            losses['tgt.ent.loss'] = self.lambda_ent * entropy_loss(
                tgt['seg'][:, 0])
        return self.update(seg_wrapper, losses)
