"""Output-space adversarial training: video (VAT), image (AdaptSegNet-style)
and AdvEnt (the discriminator sees weighted self-information maps).

One iteration (separate backward per loss):

1. segmentor: supervised loss on the source key frame, plus
   ``lambda_adv * adversarial_loss(D(stack of target frames), source)``
   with the discriminator frozen; segmentor optimizer steps.
2. discriminator: ``adversarial_loss(D(source stack), source) +
   adversarial_loss(D(target stack), target)`` on detached predictions;
   discriminator optimizer steps.

The stack holds the first ``num_frames`` frames of each clip (the dataset's
``frame_offsets``, e.g. ``[0, -1, -2]`` = frames t, t-1, t-2); ``num_frames=1``
is the image-level method. The stack holds each frame's softmax
(``disc_input='softmax'``) or its self-information maps ``-p log p``
(``'self_information'``, AdvEnt), computed on the decoder's output
(``disc_input_size='decoder'``, stride 8) or on logits upsampled to the input
size first (``'input'``, as AdvEnt and DA-VSN do).
"""
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

from uda_video.registry import MODELS
from .base import (ConfigType, UDASegmentor, check_choice, frozen,
                   sub_wrapper)
from .losses import GAN_TYPES, adversarial_loss, self_information

DISC_INPUTS = ('softmax', 'self_information')
DISC_INPUT_SIZES = ('decoder', 'input')


@MODELS.register_module()
class AdversarialUDA(UDASegmentor):
    """Sequence (video) or single-frame (image) output-space adversarial UDA.

    Args:
        segmentor: config of the wrapped segmentor.
        discriminator: config of a discriminator on N x T x K x h x w
            (``SequenceDiscriminator`` or ``Sequence3DDiscriminator``).
        num_frames: frames per stack (T); 1 = image-level.
        gan_type: 'ls' or 'bce'.
        lambda_adv: weight of the segmentor's adversarial term.
        aux_discriminator: optional discriminator on the auxiliary head's
            predictions (multi-level alignment).
        lambda_adv_aux: weight of the auxiliary adversarial term.
        disc_input: 'softmax' (AdaptSegNet-style, VAT) or
            'self_information' (AdvEnt): what the discriminators see.
        disc_input_size: 'decoder' (the decoder's output, stride 8) or
            'input' (logits upsampled to the input size first).
        kwargs: ``source_loss_weight``, ``data_preprocessor``, ``init_cfg``
            of :class:`UDASegmentor`.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 discriminator: ConfigType,
                 num_frames: int = 2,
                 gan_type: str = 'ls',
                 lambda_adv: float = 0.001,
                 aux_discriminator: Optional[ConfigType] = None,
                 lambda_adv_aux: float = 0.0002,
                 disc_input: str = 'softmax',
                 disc_input_size: str = 'decoder',
                 **kwargs) -> None:
        super().__init__(segmentor=segmentor, **kwargs)
        check_choice('gan_type', gan_type, GAN_TYPES)
        check_choice('disc_input', disc_input, DISC_INPUTS)
        check_choice('disc_input_size', disc_input_size, DISC_INPUT_SIZES)
        self.disc_input = disc_input
        self.disc_input_size = disc_input_size
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

    def disc_inputs(self, logits: torch.Tensor,
                    size: Tuple[int, int]) -> torch.Tensor:
        """What a discriminator sees of N x T x K x h x w logits: softmax or
        self-information maps, at the decoder's size or upsampled to
        ``size`` (the input's H x W)."""
        if self.disc_input_size == 'input' and logits.shape[-2:] != size:
            n, t = logits.shape[:2]
            logits = F.interpolate(logits.flatten(0, 1), size=size,
                                   mode='bilinear', align_corners=False)
            logits = logits.view(n, t, *logits.shape[1:])
        probs = F.softmax(logits, dim=2)
        if self.disc_input == 'self_information':
            return self_information(probs)
        return probs

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
            tgt_clips, _ = self.target_step(data, self.num_frames)
            losses, src = self.source_losses(src_clips, src_samples,
                                             self.num_frames, with_aux=True)
            tgt = self.frame_outputs(tgt_clips, self.num_frames,
                                     with_aux=with_aux)
            size = tuple(tgt_clips.shape[-2:])
            for level, disc in discs.items():
                with frozen(disc):
                    d_out = disc(self.disc_inputs(tgt[level], size))
                    losses[f'tgt.adv_{level}.loss'] = weights[level] * \
                        adversarial_loss(d_out, True, self.gan_type)
        log_vars = self.update(seg_wrapper, losses)

        # 2) discriminators on detached predictions.
        d_wrappers = {'seg': disc_wrapper, 'aux': aux_wrapper}
        d_losses = {}
        for level, disc in discs.items():
            with d_wrappers[level].optim_context(disc):
                p_src = self.disc_inputs(src[level].detach(),
                                         tuple(src_clips.shape[-2:]))
                p_tgt = self.disc_inputs(tgt[level].detach(), size)
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
