"""Cross-domain mixing with an EMA teacher: DACS and video DACS.

One iteration (Tranheden et al., "DACS: Domain Adaptation via Cross-domain
Mixed Sampling", WACV 2021; the base of DAFormer, HRDA and MIC):

1. supervised loss on the source key frame;
2. the EMA teacher labels the target key frame: the argmax of its softmax
   (``num_frames=1``, DACS) or of the flow-warped, fused softmax of the
   clip's frames (``num_frames > 1``, video DACS: VST's temporal pseudo
   labels, ``pseudo_labels.warp_clip_probs`` / ``fuse_probs``, optionally
   filtered for temporal agreement);
3. ClassMix: half of the classes present in the source label are pasted,
   with their pixels, onto the target frame (one mask for every mixed frame
   of a clip); the mixed label is the source label on pasted pixels and the
   pseudo label elsewhere;
4. the student sees the strongly augmented mixed frame and is trained with
   cross entropy weighted 1 on pasted pixels and, on target pixels, by the
   fraction of target pixels whose teacher confidence exceeds
   ``pseudo_threshold``.

The teacher follows the student by ``EMATeacherHook`` (configs add it to
``custom_hooks``).
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmseg.utils import SampleList

from uda_video.registry import MODELS
from .base import ConfigType
from .mixing import (StrongAugment, check_same_size, check_threshold,
                     class_mix_masks, confidence_weight, mix, mixed_frames,
                     mixed_pixel_weight, weighted_cross_entropy)
from .pseudo_label_quality import key_frame_label, pseudo_label_log_vars
from .pseudo_labels import IGNORE_INDEX, fused_predictions
from .self_training import SelfTrainingUDA
from .temporal import require_flow


def key_frame_labels(samples: SampleList, size: Sequence[int],
                     domain: str = 'source') -> torch.Tensor:
    """N x H x W labels of the key frames (``gt_sem_seg``) at ``size``."""
    maps = []
    for i, s in enumerate(samples):
        if 'gt_sem_seg' not in s:
            raise KeyError(f'{domain} sample {i} ({s.metainfo.get("img_path")})'
                           ' has no gt_sem_seg')
        maps.append(key_frame_label(s, size))
    return torch.stack(maps)


@MODELS.register_module()
class DACS(SelfTrainingUDA):
    """DACS (``num_frames=1``) or video DACS (``num_frames > 1``, the
    target clips' offsets e.g. ``[0, -1, 1]`` with flow).

    Args:
        segmentor: config of the wrapped segmentor (the student).
        num_frames: target frames fused into a pseudo label (1 = DACS).
        pseudo_threshold: confidence in (0, 1) above which a target pixel
            counts for the pseudo-label weight (DACS: 0.968).
        consistency: with ``num_frames > 1``, ignore pixels whose warped
            per-frame labels disagree.
        mix_frames: frames of each clip that are mixed (one mask for all)
            and fed to the student, which segments the first of them: the
            first ``mix_frames`` frames (an int), or clip indices (negative
            from the clip's end). 1 for a per-frame student; the frames its
            ``clip_sampling`` reads for a video segmentor, e.g. ``[0, -1]``
            for DFF / Accel (frame t and its key frame, last) or 4 for TDNet
            TD4 (t and the 3 frames before it).
        ema_momentum: EMA momentum of the teacher (DACS: 0.99).
        flow_source: flow source config; None = ``SampleFlow``, the
            ``gt_flow`` of the target samples (needed when ``num_frames >
            1``). ``flow_estimator`` is its old name (translated).
        pseudo_loss_weight: weight of the mixed-frame loss.
        source_loss_weight: weight of the supervised source loss.
        jitter, jitter_prob, blur_prob: strong augmentation of the mixed
            frames (:func:`mixing.strong_augment`).
        kwargs: ``photometric_threshold`` (occlusion test of the warped
            reference frames, :class:`SelfTrainingUDA`); ``data_preprocessor``,
            ``init_cfg`` of :class:`UDASegmentor`.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 num_frames: int = 1,
                 pseudo_threshold: float = 0.968,
                 consistency: bool = False,
                 mix_frames: Union[int, Sequence[int]] = 1,
                 ema_momentum: float = 0.99,
                 flow_source: Optional[ConfigType] = None,
                 pseudo_loss_weight: float = 1.0,
                 source_loss_weight: float = 1.0,
                 jitter: float = 0.2,
                 jitter_prob: float = 0.2,
                 blur_prob: float = 0.5,
                 **kwargs) -> None:
        super().__init__(segmentor=segmentor, num_frames=num_frames,
                         pseudo_labels='online', consistency=consistency,
                         ema_momentum=ema_momentum,
                         flow_source=flow_source,
                         pseudo_loss_weight=pseudo_loss_weight,
                         source_loss_weight=source_loss_weight, **kwargs)
        if not isinstance(mix_frames, int):
            mix_frames = tuple(mix_frames)
        if num_frames < 1 or mix_frames == () or (
                isinstance(mix_frames, int) and mix_frames < 1):
            raise ValueError(f'num_frames and mix_frames must be >= 1, got '
                             f'{num_frames} and {mix_frames}')
        if isinstance(mix_frames, tuple) and mix_frames[0] != 0:
            raise ValueError(f'mix_frames={list(mix_frames)} must start with '
                             '0: the labels mixed are those of the key frame')
        self.pseudo_threshold = check_threshold(pseudo_threshold)
        self.mix_frames = mix_frames
        self.strong_aug = StrongAugment(jitter=jitter, jitter_prob=jitter_prob,
                                        blur_prob=blur_prob)

    # ---- pseudo labels ----------------------------------------------------
    @torch.no_grad()
    def teacher_pseudo_labels(self, clips: torch.Tensor, samples: SampleList
                              ) -> Tuple[torch.Tensor, torch.Tensor]:
        """(labels N x H x W with 255 on rejected pixels, confidence N x H x W)
        of the target key frames from the EMA teacher."""
        f = self.num_frames
        if f > 1:
            require_flow(samples, 'target',
                         f'{type(self).__name__}(num_frames={f})',
                         self.flow_source)
        probs = self.clip_probs(self.teacher.model, clips, f)
        flows = self.clip_flows(clips, samples, f)
        labels, conf, candidates = fused_predictions(
            probs, flows, self.consistency, clips[:, :f],
            self.photometric_threshold)
        labels = torch.where(candidates, labels,
                             torch.full_like(labels, IGNORE_INDEX))
        return labels, conf

    def augment(self, clips: torch.Tensor) -> torch.Tensor:
        """Strong photometric augmentation in the preprocessor's pixel space."""
        return self.strong_aug(clips, self.data_preprocessor)

    # ---- training ---------------------------------------------------------
    def train_losses(self, data: dict) -> Dict[str, torch.Tensor]:
        """Source loss and the confidence-weighted loss on the mixed frames."""
        m = self.mix_frames
        src_clips, src_samples = self.preprocess(data, 'source')
        losses, _ = self.source_losses(src_clips, src_samples, 1,
                                       with_aux=True)
        tgt_clips, tgt_samples = self.target_step(data, self.num_frames)
        src_mix = mixed_frames(src_clips, m, 'source')
        tgt_mix = mixed_frames(tgt_clips, m, 'target')
        check_same_size(src_mix, tgt_mix, 'clips')
        size = tgt_clips.shape[-2:]

        labels, conf = self.teacher_pseudo_labels(tgt_clips, tgt_samples)
        weight = confidence_weight(conf, self.pseudo_threshold,
                                   mask=labels != IGNORE_INDEX)
        src_labels = key_frame_labels(src_samples, size).to(labels.device)
        masks = class_mix_masks(src_labels)
        # One mask for every mixed frame (a video student's key frame too).
        mixed = self.augment(mix(src_mix, tgt_mix, masks))
        mixed_labels = mix(src_labels, labels, masks)
        pixel_weight = mixed_pixel_weight(masks, weight)

        logits = self.frame_outputs(mixed, 1)['seg'][:, 0]
        logits = F.interpolate(logits, size=size, mode='bilinear',
                               align_corners=False)
        losses['mix.loss'] = self.pseudo_loss_weight * weighted_cross_entropy(
            logits.float(), mixed_labels, pixel_weight)
        losses['mix.pseudo_weight'] = weight.detach()
        losses['mix.pasted'] = masks.float().mean()
        confident = torch.where(conf > self.pseudo_threshold, labels,
                                torch.full_like(labels, IGNORE_INDEX))
        losses.update(pseudo_label_log_vars(
            confident, tgt_samples, self.class_thresholds.numel()))
        return losses

