"""Target flip consistency: source supervision plus the disagreement between
the segmentor's prediction of a target clip and of its mirror image (flipped
back), written only against the UDA seam (``UDASegmentor`` helpers)."""
from typing import Dict, Union

import torch
from mmengine.config import ConfigDict

from uda_video.models.uda import UDASegmentor
from uda_video.registry import MODELS

ConfigType = Union[str, dict, ConfigDict]


def flip_consistency_loss(logits: torch.Tensor,
                          flipped_logits: torch.Tensor) -> torch.Tensor:
    """Mean squared distance between the class probabilities of a prediction
    and of the prediction of the horizontally flipped input, flipped back.

    Args:
        logits: ... x K x h x w logits of the inputs (class dim -3).
        flipped_logits: same shape, logits of the inputs flipped along width.

    Returns:
        scalar: sum over classes of (p - flip(q))^2, averaged over the other
        dims; 0 when the prediction is flip-equivariant, at most 2.
    """
    if logits.shape != flipped_logits.shape:
        raise ValueError(f'logits {tuple(logits.shape)} and flipped_logits '
                         f'{tuple(flipped_logits.shape)} differ in shape')
    p = logits.softmax(dim=-3)
    q = flipped_logits.flip(-1).softmax(dim=-3)
    return (p - q).pow(2).sum(dim=-3).mean()


@MODELS.register_module()
class FlipConsistencyUDA(UDASegmentor):
    """Source supervision plus ``lambda_cons`` x the flip consistency of the
    first ``num_frames`` frames of each target clip.

    Args:
        segmentor: the wrapped segmentor (see ``UDASegmentor``).
        lambda_cons: weight of the target consistency term.
        num_frames: target frames per clip whose logits are compared.
        kwargs: ``source_loss_weight``, ``data_preprocessor``, ``init_cfg``
            (see ``UDASegmentor``).
    """

    def __init__(self, segmentor: ConfigType, lambda_cons: float = 1.0,
                 num_frames: int = 1, **kwargs) -> None:
        super().__init__(segmentor=segmentor, **kwargs)
        if lambda_cons < 0:
            raise ValueError(f'lambda_cons must be >= 0, got {lambda_cons}')
        self.lambda_cons = lambda_cons
        self.num_frames = num_frames

    def target_losses(self, clips: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Weighted consistency loss of preprocessed target clips
        (N x T x C x H x W); the clip and its mirror run as one batch."""
        both = torch.cat([clips, clips.flip(-1)])
        seg = self.frame_outputs(both, self.num_frames)['seg']
        plain, flipped = seg.chunk(2)
        return {'tgt.flip.loss': self.lambda_cons *
                flip_consistency_loss(plain, flipped)}

    def train_losses(self, data: dict) -> Dict[str, torch.Tensor]:
        """Source losses plus the target consistency term (``train_step``
        runs them in the optim wrapper's context and updates)."""
        losses = super().train_losses(data)
        tgt_clips, _ = self.target_step(data, self.num_frames)
        losses.update(self.target_losses(tgt_clips))
        return losses
