"""TPS: temporal pseudo supervision by cross-frame pseudo labels.

Xing et al., "Domain Adaptive Video Segmentation via Temporal Pseudo
Supervision", ECCV 2022. Target clips hold frames t and t-1 (offsets
``[0, -1]``) and the flow t -> t-1. One iteration:

1. supervised loss on the source key frame;
2. the network itself (no EMA teacher, no gradient) predicts frame t-1 as
   it comes from the pipeline (weak view); its softmax, warped to t by flow,
   gives the pseudo label of t by argmax (``temporal.cross_frame_pseudo_labels``;
   pixels whose flow leaves the frame are ignored);
3. frame t is strongly augmented (colour jitter, grayscale, blur; one draw
   for every frame fed) and rescaled by a random ratio; the network's
   prediction of it, upsampled back, is trained with cross entropy on the
   pseudo label, weighted by ``pseudo_loss_weight``.
"""
from typing import Dict, Optional, Sequence

import torch

from uda_video.registry import MODELS
from ..flow import FlowSourceOwner, build_flow_source
from .base import ConfigType, UDASegmentor
from .losses import pseudo_label_loss
from .mixing import StrongAugment, random_rescale
from .pseudo_label_quality import pseudo_label_log_vars
from .self_training import SAMPLE_FLOW, SelfTrainingUDA
from .temporal import cross_frame_pseudo_labels, require_flow


@MODELS.register_module()
class TPS(FlowSourceOwner, UDASegmentor):
    """TPS-style temporal pseudo supervision.

    Args:
        segmentor: config of the wrapped segmentor.
        scale_range: random rescale of the strong view (TPS: 0.8-1.2).
        jitter, jitter_prob, grayscale_prob, blur_prob, blur_sigma: strong
            augmentation (:func:`mixing.strong_augment`; TPS: colour jitter
            0.8 with probability 0.8, grayscale 0.2, blur 0.6).
        pseudo_loss_weight: weight of the target cross entropy (TPS's
            ``LAMBDA_T``).
        flow_source: flow source config; None = ``SampleFlow``, the
            ``gt_flow`` of the target samples (``load_flow=True``).
            ``flow_estimator`` is its old name (translated).
        kwargs: ``source_loss_weight``, ``data_preprocessor``, ``init_cfg``
            of :class:`UDASegmentor`.
    """

    # VST's readers: a clip's flows and a network's softmax on its frames.
    clip_flows = SelfTrainingUDA.clip_flows
    clip_probs = staticmethod(SelfTrainingUDA.clip_probs)

    def __init__(self,
                 segmentor: ConfigType,
                 scale_range: Sequence[float] = (0.8, 1.2),
                 jitter: float = 0.8,
                 jitter_prob: float = 0.8,
                 grayscale_prob: float = 0.2,
                 blur_prob: float = 0.6,
                 blur_sigma: Sequence[float] = (0.15, 1.15),
                 pseudo_loss_weight: float = 1.0,
                 flow_source: Optional[ConfigType] = None,
                 flow_estimator: Optional[ConfigType] = None,
                 **kwargs) -> None:
        super().__init__(segmentor=segmentor, **kwargs)
        if not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f'scale_range must be (low, high) with 0 < low '
                             f'<= high, got {scale_range}')
        self.scale_range = tuple(scale_range)
        self.strong_aug = StrongAugment(
            jitter=jitter, jitter_prob=jitter_prob,
            grayscale_prob=grayscale_prob, blur_prob=blur_prob,
            blur_sigma=tuple(blur_sigma))
        self.pseudo_loss_weight = pseudo_loss_weight
        self.flow_source = build_flow_source(
            flow_source, type(self).__name__, default=SAMPLE_FLOW,
            flow_estimator=flow_estimator)

    @torch.no_grad()
    def pseudo_labels(self, clips: torch.Tensor, samples) -> torch.Tensor:
        """N x H x W labels of frame t from the prediction of frame t-1."""
        require_flow(samples, 'target', 'TPS', self.flow_source)
        flows = self.clip_flows(clips, samples, 2)  # N x 1 x 2 x H x W
        prev = self.clip_probs(self.segmentor, clips[:, 1:2], 1)[:, 0]
        return cross_frame_pseudo_labels(prev, flows[:, 0])

    def strong_view(self, clips: torch.Tensor) -> torch.Tensor:
        """Strong augmentation and random rescale of N x T x C x H x W."""
        clips = self.strong_aug(clips, self.data_preprocessor)
        return random_rescale(clips, self.scale_range)

    def train_losses(self, data: dict) -> Dict[str, torch.Tensor]:
        losses = super().train_losses(data)
        clips, samples = self.preprocess(data, 'target')
        if clips.size(1) < 2:
            raise ValueError(
                'TPS needs target clips of frames t and t-1: set '
                'train_dataloader.dataset.target.frame_offsets=[0, -1]')
        self.check_clip_sampling(samples, 2)
        labels = self.pseudo_labels(clips, samples)
        strong = self.strong_view(clips[:, :1])
        logits = self.frame_outputs(strong, 1)['seg'][:, 0]
        ce, kept = pseudo_label_loss(logits, labels)
        losses['tgt.tps.loss'] = self.pseudo_loss_weight * ce
        losses['tgt.tps.kept'] = kept
        losses.update(pseudo_label_log_vars(labels, samples, logits.size(1)))
        return losses
