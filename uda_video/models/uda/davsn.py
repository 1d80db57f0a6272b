"""DA-VSN: temporal consistency regularisation (TCR) by adversarial learning.

Guan et al., "Domain Adaptive Video Segmentation via Temporal Consistency
Regularization", ICCV 2021. Clips hold frames t and t-1 (offsets ``[0, -1]``)
and the flow t -> t-1 of both domains. One iteration (separate backward and
step per network):

1. segmentor: supervised loss on the source key frame, plus
   - cross-domain TCR: ``lambda_adv * adversarial_loss(D(pair_tgt), source)``
     where a pair is the current frame's prediction and the previous frame's
     prediction warped onto it by flow (``temporal.temporal_pair``), so the
     discriminator judges how consecutive predictions agree;
   - intra-domain TCR: target clips whose current-frame prediction is more
     uncertain (mean entropy above a running threshold, a checkpointed
     buffer) are pushed by ``lambda_intra`` towards the pairs of the
     confident target clips, which ``intra_discriminator`` learns to tell
     apart from them;
2. discriminator: source pairs (1) against target pairs (0), detached;
3. intra discriminator: confident (1) against uncertain (0) target pairs.
"""
from typing import Dict, Optional, Union

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from uda_video.registry import MODELS
from .adversarial import AdversarialUDA
from ..flow import FlowSourceOwner, build_flow_source
from .base import ConfigType, frozen, sub_wrapper
from .losses import adversarial_loss, entropy_map
from .self_training import SAMPLE_FLOW, SelfTrainingUDA
from .temporal import require_flow, temporal_pair


@MODELS.register_module()
class DAVSN(FlowSourceOwner, AdversarialUDA):
    """DA-VSN-style cross-domain and intra-domain TCR.

    Args:
        segmentor: config of the wrapped segmentor.
        discriminator: cross-domain TCR discriminator on N x 2 x K x h x w
            pairs (``SequenceDiscriminator(num_frames=2)``).
        intra_discriminator: optional intra-domain TCR discriminator (same
            input); None disables intra-domain TCR.
        gan_type: 'bce' (the field's) or 'ls'.
        lambda_adv: weight of the cross-domain TCR term.
        lambda_intra: weight of the intra-domain TCR term.
        warp_previous: warp the previous frame's prediction onto the current
            frame by flow (False: stack them unwarped, as the released code).
        entropy_momentum: momentum of the running entropy threshold that
            splits confident and uncertain target clips.
        disc_input_size: 'decoder' or 'input' (see :class:`AdversarialUDA`).
        flow_source: flow source config; None = ``SampleFlow``, the
            ``gt_flow`` of the samples (``load_flow=True`` in both domains'
            datasets). ``flow_estimator`` is its old name (translated).
        kwargs: ``source_loss_weight``, ``data_preprocessor``, ``init_cfg``
            of :class:`UDASegmentor`.
    """

    # VST's reader of a clip's flows (from the flow source).
    clip_flows = SelfTrainingUDA.clip_flows

    def __init__(self,
                 segmentor: ConfigType,
                 discriminator: ConfigType,
                 intra_discriminator: Optional[ConfigType] = None,
                 gan_type: str = 'bce',
                 lambda_adv: float = 0.001,
                 lambda_intra: float = 0.001,
                 warp_previous: bool = True,
                 entropy_momentum: float = 0.99,
                 disc_input_size: str = 'decoder',
                 flow_source: Optional[ConfigType] = None,
                 flow_estimator: Optional[ConfigType] = None,
                 **kwargs) -> None:
        super().__init__(segmentor=segmentor, discriminator=discriminator,
                         num_frames=2, gan_type=gan_type,
                         lambda_adv=lambda_adv,
                         disc_input_size=disc_input_size, **kwargs)
        if not 0.0 <= entropy_momentum < 1.0:
            raise ValueError(f'entropy_momentum must be in [0, 1), got '
                             f'{entropy_momentum}')
        self.intra_discriminator = (MODELS.build(intra_discriminator)
                                    if intra_discriminator is not None else
                                    None)
        self.lambda_intra = lambda_intra
        self.warp_previous = warp_previous
        self.entropy_momentum = entropy_momentum
        self.flow_source = build_flow_source(
            flow_source, type(self).__name__, default=SAMPLE_FLOW,
            flow_estimator=flow_estimator)
        self.register_buffer('entropy_threshold',
                             torch.tensor(float('nan')))

    def pairs(self, logits: torch.Tensor, clips: torch.Tensor, samples,
              domain: str) -> torch.Tensor:
        """N x 2 x K x h x w discriminator input of a clip batch's logits."""
        probs = self.disc_inputs(logits, tuple(clips.shape[-2:]))
        flows = None
        if self.warp_previous:
            require_flow(samples, domain, 'DAVSN(warp_previous=True)',
                         self.flow_source)
            flows = self.clip_flows(clips, samples, 2)
        return temporal_pair(probs, flows)

    @torch.no_grad()
    def confident_clips(self, pairs: torch.Tensor) -> torch.Tensor:
        """N bool: the current frame's mean entropy is at most the running
        threshold (updated with this batch's mean first)."""
        ent = entropy_map(pairs[:, 0].float()).mean((1, 2))
        batch = ent.mean()
        thr = self.entropy_threshold
        m = self.entropy_momentum
        new = batch if torch.isnan(thr) else m * thr + (1 - m) * batch
        self.entropy_threshold.copy_(new)
        return ent <= new

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, torch.Tensor]:
        seg_wrapper = sub_wrapper(optim_wrapper, 'segmentor')
        disc_wrapper = sub_wrapper(optim_wrapper, 'discriminator')
        intra = self.intra_discriminator
        intra_wrapper = (sub_wrapper(optim_wrapper, 'intra_discriminator')
                         if intra is not None else None)

        # 1) segmentor: source supervision + TCR terms (discriminators frozen).
        with seg_wrapper.optim_context(self.segmentor):
            src_clips, src_samples = self.preprocess(data, 'source')
            tgt_clips, tgt_samples = self.target_step(data, 2)
            losses, src = self.source_losses(src_clips, src_samples, 2,
                                             with_aux=True)
            tgt = self.frame_outputs(tgt_clips, 2)
            src_pair = self.pairs(src['seg'], src_clips, src_samples,
                                  'source')
            tgt_pair = self.pairs(tgt['seg'], tgt_clips, tgt_samples,
                                  'target')
            with frozen(self.discriminator):
                losses['tgt.tcr_cross.loss'] = self.lambda_adv * \
                    adversarial_loss(self.discriminator(tgt_pair), True,
                                     self.gan_type)
            if intra is not None:
                easy = self.confident_clips(tgt_pair)
                losses['tgt.tcr_intra.confident'] = easy.float().mean()
                if (~easy).any():
                    with frozen(intra):
                        losses['tgt.tcr_intra.loss'] = self.lambda_intra * \
                            adversarial_loss(intra(tgt_pair[~easy]), True,
                                             self.gan_type)
        log_vars = self.update(seg_wrapper, losses)

        # 2) cross-domain discriminator on detached pairs.
        src_pair, tgt_pair = src_pair.detach(), tgt_pair.detach()
        with disc_wrapper.optim_context(self.discriminator):
            d_losses = {
                'disc.loss_src': 0.5 * adversarial_loss(
                    self.discriminator(src_pair), True, self.gan_type),
                'disc.loss_tgt': 0.5 * adversarial_loss(
                    self.discriminator(tgt_pair), False, self.gan_type)}
        log_vars.update(self.update(disc_wrapper, d_losses, tag='disc'))

        # 3) intra-domain discriminator: confident (1) vs uncertain (0).
        if intra is not None:
            with intra_wrapper.optim_context(intra):
                i_losses = {}
                for name, group, label in (('easy', easy, True),
                                           ('hard', ~easy, False)):
                    if group.any():
                        i_losses[f'disc_intra.loss_{name}'] = 0.5 * \
                            adversarial_loss(intra(tgt_pair[group]), label,
                                             self.gan_type)
            log_vars.update(self.update(intra_wrapper, i_losses,
                                        tag='disc_intra'))
        return log_vars
