"""Self-training on the target domain: video (VST) and image baselines.

Pseudo labels of a target clip's key frame come from

- ``'online'``: the EMA teacher's softmax on the first ``num_frames`` frames
  (the segmentor's ``clip_logits``, computed as the segmentor computes them),
  warped to the key frame by flow, fused and filtered for temporal agreement
  (``pseudo_labels.fused_predictions``), class-balanced thresholded
  (``pseudo_labels.threshold_pseudo_labels``, the rule offline rounds use);
  ``num_frames=1`` is single-frame class-balanced self-training;
- ``'files'``: PNGs of an offline round of ``tools/misc/gen_pseudo_labels.py``
  (``{dir}/{video_id}/{frame_id:06d}.png``), loaded in the target pipeline by
  ``LoadPseudoLabel`` as the key frame's label map, so they follow the
  frame's resize, crop and flip; the samples' ``gt_sem_seg`` must come from
  such a file (``seg_map_path``), never from the target's ground truth;
- ``'dataset'``: the target samples' ``gt_sem_seg`` (a target dataset whose
  label files are the pseudo labels).

The student (the wrapped segmentor) is trained with cross entropy on them
(255 ignored), plus optionally the supervised source loss. Phase 2 of the
two-phase method starts from phase 1's checkpoint (``load_from``).

Flow (N x (T-1) x 2 x H x W, key -> reference, conventions.md) is read from
the ``flow_source`` component: by default ``SampleFlow``, the target
samples' ``gt_flow`` (precomputed files loaded by the dataset), or e.g.
``ClassicalFlow`` computed on the fly from the frames.
"""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmseg.utils import SampleList

from uda_video.datasets.transforms.labels import (is_pseudo_label_path,
                                                 pseudo_label_path)
from ..flow import FlowSourceOwner, build_flow_source
from uda_video.registry import MODELS
from .base import ConfigType, UDASegmentor, check_choice, segmentor_call
from .ema import EMATeacher
from .losses import pseudo_label_loss
from .pseudo_label_quality import pseudo_label_log_vars
from .pseudo_labels import (class_balanced_thresholds, fused_predictions,
                            running_thresholds, threshold_pseudo_labels)

__all__ = ['SelfTrainingUDA', 'pseudo_label_path', 'PSEUDO_SOURCES']

PSEUDO_SOURCES = ('online', 'files', 'dataset')
SAMPLE_FLOW = dict(type='SampleFlow')


@MODELS.register_module()
class SelfTrainingUDA(FlowSourceOwner, UDASegmentor):
    """Video (``num_frames > 1``) or image (``num_frames == 1``) self-training.

    Args:
        segmentor: config of the wrapped segmentor (the student).
        num_frames: frames of the target clip fused into a pseudo label.
        pseudo_labels: 'online' (EMA teacher), 'files' (offline round
            loaded by ``LoadPseudoLabel`` in the target pipeline) or
            'dataset' (a target dataset whose label files are pseudo labels).
        keep_fraction: fraction of each class's pixels kept (class-balanced).
        max_threshold: cap of every class threshold.
        consistency: require the warped per-frame labels to agree.
        photometric_threshold: leave a reference frame out of the fusion
            and of the vote where, warped to the key frame, it differs from
            it by more than this (channel-mean absolute difference of the
            normalised inputs: occluded or misplaced); None = no such test.
        threshold_momentum: 0 = this batch's thresholds; m > 0 = running
            thresholds ``m * old + (1 - m) * batch`` (a checkpointed buffer).
        ema_momentum: EMA momentum of the teacher.
        flow_source: flow source config (MODELS); None = ``SampleFlow``,
            the ``gt_flow`` of the target samples. ``flow_estimator`` is its
            old name (translated).
        pseudo_loss_weight: weight of the target cross entropy.
        source_loss_weight: weight of supervised source loss (0 = target only).
        kwargs: ``data_preprocessor``, ``init_cfg`` of :class:`UDASegmentor`.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 num_frames: int = 3,
                 pseudo_labels: str = 'online',
                 keep_fraction: float = 0.5,
                 max_threshold: float = 0.9,
                 consistency: bool = True,
                 photometric_threshold: Optional[float] = None,
                 threshold_momentum: float = 0.0,
                 ema_momentum: float = 0.999,
                 flow_source: Optional[ConfigType] = None,
                 flow_estimator: Optional[ConfigType] = None,
                 pseudo_loss_weight: float = 1.0,
                 source_loss_weight: float = 0.0,
                 **kwargs) -> None:
        super().__init__(segmentor=segmentor,
                         source_loss_weight=source_loss_weight, **kwargs)
        check_choice('pseudo_labels', pseudo_labels, PSEUDO_SOURCES)
        self.num_frames = num_frames
        self.pseudo_source = pseudo_labels
        self.keep_fraction = keep_fraction
        self.max_threshold = max_threshold
        self.consistency = consistency
        if photometric_threshold is not None and photometric_threshold <= 0:
            raise ValueError(f'photometric_threshold must be > 0, got '
                             f'{photometric_threshold}')
        self.photometric_threshold = photometric_threshold
        self.threshold_momentum = threshold_momentum
        self.pseudo_loss_weight = pseudo_loss_weight
        self.teacher = EMATeacher(self.segmentor, momentum=ema_momentum)
        self.flow_source = build_flow_source(
            flow_source, type(self).__name__, default=SAMPLE_FLOW,
            flow_estimator=flow_estimator)
        num_classes = self.segmentor.out_channels
        self.register_buffer('class_thresholds',
                             torch.full((num_classes, ), float('nan')))

    # ---- pseudo labels ----------------------------------------------------
    def clip_flows(self, clips: torch.Tensor, samples: SampleList,
                   num_frames: int) -> Optional[torch.Tensor]:
        """N x (F-1) x 2 x H x W flows key -> reference at the input size."""
        if num_frames == 1:
            return None
        with torch.no_grad():
            return self.flow_source.clip_flows(clips, samples,
                                               num_frames - 1).float()

    @staticmethod
    @torch.no_grad()
    def clip_probs(net: torch.nn.Module, clips: torch.Tensor,
                   num_frames: int) -> torch.Tensor:
        """Softmax of segmentor ``net`` (its ``clip_logits``) on the first
        frames: N x F x K x H x W at the input size."""
        n = clips.size(0)
        # float32 probabilities also under autocast (thresholds are quantiles)
        logits = segmentor_call(net, 'clip_logits')(
            clips, num_frames)['seg'].flatten(0, 1).float()
        logits = F.interpolate(logits, size=clips.shape[-2:], mode='bilinear',
                               align_corners=False)
        return F.softmax(logits, dim=1).view(n, num_frames, *logits.shape[1:])

    @torch.no_grad()
    def online_pseudo_labels(self, clips: torch.Tensor,
                             samples: SampleList) -> torch.Tensor:
        """N x H x W pseudo labels of the key frames from the EMA teacher."""
        f = self.num_frames
        probs = self.clip_probs(self.teacher.model, clips, f)
        flows = self.clip_flows(clips, samples, f)
        labels, conf, candidates = fused_predictions(
            probs, flows, self.consistency, clips[:, :f],
            self.photometric_threshold)
        batch = class_balanced_thresholds(
            conf, labels, probs.size(2), self.keep_fraction,
            self.max_threshold, mask=candidates)
        running = self.class_thresholds
        if self.threshold_momentum > 0 and not torch.isnan(running).all():
            self.class_thresholds.copy_(
                running_thresholds(running, batch, self.threshold_momentum))
            thresholds = torch.nan_to_num(self.class_thresholds,
                                          nan=float('inf'))
        else:
            self.class_thresholds.copy_(
                torch.where(torch.isfinite(batch), batch, running))
            thresholds = batch
        return threshold_pseudo_labels(labels, conf, candidates, thresholds)

    @staticmethod
    def dataset_pseudo_labels(samples: SampleList) -> torch.Tensor:
        """N x H x W labels from the target samples' gt_sem_seg."""
        for i, s in enumerate(samples):
            if 'gt_sem_seg' not in s:
                raise KeyError(f'target sample {i} '
                               f'({s.metainfo.get("img_path")}) has no '
                               'gt_sem_seg: point the target dataset at the '
                               'pseudo labels of tools/misc/gen_pseudo_labels.py')
        return torch.stack([s.gt_sem_seg.data[0] for s in samples]).long()

    @staticmethod
    def file_pseudo_labels(samples: SampleList) -> torch.Tensor:
        """N x H x W labels of an offline round, loaded in the pipeline.

        ``LoadPseudoLabel`` (target pipeline) made each key frame's label map
        its pseudo-label file, so the labels went through the sample's resize,
        crop and flip; a sample whose ``seg_map_path`` is not such a file is
        refused (its ``gt_sem_seg`` would be the target's ground truth).
        """
        for i, s in enumerate(samples):
            meta = s.metainfo
            if not is_pseudo_label_path(meta.get('seg_map_path'),
                                        meta.get('video_id'),
                                        meta.get('frame_id', -1)):
                raise KeyError(
                    f"pseudo_labels='files': target sample {i} "
                    f'({meta.get("img_path")}) carries no pseudo label '
                    f'(seg_map_path={meta.get("seg_map_path")!r}): put '
                    "dict(type='LoadPseudoLabel', pseudo_label_dir=DIR) right "
                    'after LoadClip in the target pipeline')
        return SelfTrainingUDA.dataset_pseudo_labels(samples)

    # ---- training ---------------------------------------------------------
    def train_losses(self, data: dict) -> Dict[str, torch.Tensor]:
        """The losses of one training batch (teacher and student forward
        passes, run by ``train_step`` in the optim wrapper's context)."""
        losses = {}
        if self.source_loss_weight > 0:
            losses = super().train_losses(data)
        online = self.pseudo_source == 'online'
        clips, samples = self.target_step(data,
                                          self.num_frames if online else 1)
        if online:
            labels = self.online_pseudo_labels(clips, samples)
            # Logged only: quality against the target ground truth where a
            # sample has it (never a training signal).
            losses.update(pseudo_label_log_vars(
                labels, samples, self.class_thresholds.numel()))
        elif self.pseudo_source == 'files':
            labels = self.file_pseudo_labels(samples).to(clips.device)
        else:
            labels = self.dataset_pseudo_labels(samples).to(clips.device)
        student = self.frame_outputs(clips, 1)['seg'][:, 0]
        ce, kept = pseudo_label_loss(student, labels)
        losses['tgt.pseudo.loss'] = self.pseudo_loss_weight * ce
        losses['tgt.pseudo.kept'] = kept
        return losses
