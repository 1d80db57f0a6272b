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
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

from uda_video.registry import MODELS
from .base import ConfigType, UDASegmentor, sub_wrapper
from .mixing import random_rescale, strong_augment
from .pseudo_label_quality import pseudo_label_log_vars
from .pseudo_labels import IGNORE_INDEX
from .self_training import SelfTrainingUDA
from .temporal import cross_frame_pseudo_labels, require_flow


@MODELS.register_module()
class TPS(UDASegmentor):
    """TPS-style temporal pseudo supervision.

    Args:
        segmentor: config of the wrapped segmentor.
        scale_range: random rescale of the strong view (TPS: 0.8-1.2).
        jitter, jitter_prob, grayscale_prob, blur_prob, blur_sigma: strong
            augmentation (:func:`mixing.strong_augment`; TPS: colour jitter
            0.8 with probability 0.8, grayscale 0.2, blur 0.6).
        pseudo_loss_weight: weight of the target cross entropy (TPS's
            ``LAMBDA_T``).
        flow_estimator: optional flow network config; None = ``gt_flow`` of
            the target samples (``load_flow=True``).
        source_loss_weight, init_cfg: see :class:`UDASegmentor`.
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
                 flow_estimator: Optional[ConfigType] = None,
                 source_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(segmentor=segmentor,
                         source_loss_weight=source_loss_weight,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f'scale_range must be (low, high) with 0 < low '
                             f'<= high, got {scale_range}')
        self.scale_range = tuple(scale_range)
        self.jitter = jitter
        self.jitter_prob = jitter_prob
        self.grayscale_prob = grayscale_prob
        self.blur_prob = blur_prob
        self.blur_sigma = tuple(blur_sigma)
        self.pseudo_loss_weight = pseudo_loss_weight
        self.flow_estimator = (MODELS.build(flow_estimator)
                               if flow_estimator is not None else None)

    @torch.no_grad()
    def pseudo_labels(self, clips: torch.Tensor, samples) -> torch.Tensor:
        """N x H x W labels of frame t from the prediction of frame t-1."""
        require_flow(samples, 'target', 'TPS',
                     self.flow_estimator is not None)
        flows = self.clip_flows(clips, samples, 2)  # N x 1 x 2 x H x W
        prev = self.clip_probs(self.segmentor, clips[:, 1:2], 1)[:, 0]
        return cross_frame_pseudo_labels(prev, flows[:, 0])

    def strong_view(self, clips: torch.Tensor) -> torch.Tensor:
        """Strong augmentation and random rescale of N x T x C x H x W."""
        clips = strong_augment(
            clips, mean=getattr(self.data_preprocessor, 'mean', None),
            std=getattr(self.data_preprocessor, 'std', None),
            jitter=self.jitter, jitter_prob=self.jitter_prob,
            grayscale_prob=self.grayscale_prob, blur_prob=self.blur_prob,
            blur_sigma=self.blur_sigma)
        return random_rescale(clips, self.scale_range)

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, torch.Tensor]:
        seg_wrapper = sub_wrapper(optim_wrapper, 'segmentor')
        with seg_wrapper.optim_context(self.segmentor):
            losses, _ = self.source_step(data, with_aux=True)
            clips, samples = self.preprocess(data, 'target')
            if clips.size(1) < 2:
                raise ValueError(
                    'TPS needs target clips of frames t and t-1: set '
                    'train_dataloader.dataset.target.frame_offsets=[0, -1]')
            self.check_clip_sampling(samples, 2)
            labels = self.pseudo_labels(clips, samples)
            strong = self.strong_view(clips[:, :1])
            logits = self.frame_outputs(strong, 1)['seg'][:, 0]
            logits = F.interpolate(logits, size=labels.shape[-2:],
                                   mode='bilinear', align_corners=False)
            valid = labels != IGNORE_INDEX
            if valid.any():
                ce = F.cross_entropy(logits.float(), labels,
                                     ignore_index=IGNORE_INDEX)
            else:
                ce = logits.sum() * 0.0
            losses['tgt.tps.loss'] = self.pseudo_loss_weight * ce
            losses['tgt.tps.kept'] = valid.float().mean()
            losses.update(pseudo_label_log_vars(
                labels, samples, logits.size(1)))
        return self.update(seg_wrapper, losses)
