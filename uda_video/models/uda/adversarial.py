"""Output-space adversarial training: video (VAT) and image (AdvEnt-style).

One iteration (separate backward per loss):

1. segmentor: supervised loss on the source key frame, plus
   ``lambda_adv * adversarial_loss(D(softmax stack of target frames), source)``
   with the discriminator frozen; segmentor optimizer steps.
2. discriminator: ``adversarial_loss(D(source stack), source) +
   adversarial_loss(D(target stack), target)`` on detached predictions;
   discriminator optimizer steps.

The stack holds the first ``num_frames`` frames of each clip (the dataset's
``frame_offsets``, e.g. ``[0, -1, -2]`` = frames t, t-1, t-2); ``num_frames=1``
is the image-level method.
"""
from typing import Dict, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

from uda_video.registry import MODELS
from .base import ConfigType, UDASegmentor, frozen, sub_wrapper
from .losses import adversarial_loss


@MODELS.register_module()
class AdversarialUDA(UDASegmentor):
    """Sequence (video) or single-frame (image) output-space adversarial UDA.

    Args:
        segmentor: config of the wrapped segmentor.
        discriminator: config of a discriminator on N x T x K x h x w
            (``SequenceDiscriminator`` or ``Sequence3DDiscriminator``).
        num_frames: frames per stack (T); 1 = image-level (AdvEnt-style).
        gan_type: 'ls' or 'bce'.
        lambda_adv: weight of the segmentor's adversarial term.
        aux_discriminator: optional discriminator on the auxiliary head's
            predictions (multi-level alignment).
        lambda_adv_aux: weight of the auxiliary adversarial term.
        source_loss_weight, init_cfg: see :class:`UDASegmentor`.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 discriminator: ConfigType,
                 num_frames: int = 2,
                 gan_type: str = 'ls',
                 lambda_adv: float = 0.001,
                 aux_discriminator: Optional[ConfigType] = None,
                 lambda_adv_aux: float = 0.0002,
                 source_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(segmentor=segmentor,
                         source_loss_weight=source_loss_weight,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if gan_type not in ('ls', 'bce'):
            raise ValueError(f"gan_type must be 'ls' or 'bce', got {gan_type!r}")
        self.discriminator = MODELS.build(discriminator)
        self.num_frames = num_frames
        self.gan_type = gan_type
        self.lambda_adv = lambda_adv
        self.lambda_adv_aux = lambda_adv_aux
        self.aux_discriminator = None
        if aux_discriminator is not None:
            if not getattr(self.segmentor, 'with_auxiliary_head', False):
                raise ValueError('aux_discriminator needs a segmentor with an '
                                 'auxiliary_head')
            self.aux_discriminator = MODELS.build(aux_discriminator)

    def _discriminators(self) -> Dict[str, torch.nn.Module]:
        out = {'seg': self.discriminator}
        if self.aux_discriminator is not None:
            out['aux'] = self.aux_discriminator
        return out

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, torch.Tensor]:
        seg_wrapper = sub_wrapper(optim_wrapper, 'segmentor')
        disc_wrapper = sub_wrapper(optim_wrapper, 'discriminator')
        aux_wrapper = (sub_wrapper(optim_wrapper, 'aux_discriminator')
                       if self.aux_discriminator is not None else None)
        with_aux = self.aux_discriminator is not None
        discs = self._discriminators()
        weights = {'seg': self.lambda_adv, 'aux': self.lambda_adv_aux}

        # 1) segmentor: supervised source + adversarial target (D frozen).
        # Forward passes run in each wrapper's context (autocast under AMP).
        with seg_wrapper.optim_context(self.segmentor):
            src_clips, src_samples = self.preprocess(data, 'source')
            tgt_clips, _ = self.preprocess(data, 'target')
            src = self.frame_outputs(src_clips, self.num_frames, with_aux=True)
            losses = self.scaled(self.supervised_losses(src, src_samples),
                                 self.source_loss_weight)
            tgt = self.frame_outputs(tgt_clips, self.num_frames,
                                     with_aux=with_aux)
            for level, disc in discs.items():
                with frozen(disc):
                    d_out = disc(F.softmax(tgt[level], dim=2))
                    losses[f'tgt.adv_{level}.loss'] = weights[level] * \
                        adversarial_loss(d_out, True, self.gan_type)
        log_vars = self.update(seg_wrapper, losses)

        # 2) discriminators on detached predictions.
        d_wrappers = {'seg': disc_wrapper, 'aux': aux_wrapper}
        d_losses = {}
        for level, disc in discs.items():
            with d_wrappers[level].optim_context(disc):
                p_src = F.softmax(src[level].detach(), dim=2)
                p_tgt = F.softmax(tgt[level].detach(), dim=2)
                d_losses[f'disc_{level}.loss_src'] = 0.5 * adversarial_loss(
                    disc(p_src), True, self.gan_type)
                d_losses[f'disc_{level}.loss_tgt'] = 0.5 * adversarial_loss(
                    disc(p_tgt), False, self.gan_type)
        main = {k: v for k, v in d_losses.items() if k.startswith('disc_seg')}
        log_vars.update(self.update(disc_wrapper, main, tag='disc'))
        if aux_wrapper is not None:
            aux = {k: v for k, v in d_losses.items()
                   if k.startswith('disc_aux')}
            log_vars.update(self.update(aux_wrapper, aux, tag='disc_aux'))
        return log_vars
