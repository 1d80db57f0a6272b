"""Clockwork convnets (arXiv 1608.03609): backbone stages on their own clocks.

The backbone is split into sequential stages (``backbone_stages``); each frame
recomputes some stages and reuses the cached outputs of the others. Schedules:

- ``fixed``: stage i runs on the frames where ``frame_index % rates[i] == 0``
  (frame_index counts from a video's first frame; rates all 1 = per-frame).
- ``alternating``: the first ``shallow_stages`` stages every frame, the deeper
  stages every other frame (rates 1 ... 1, 2 ... 2).
- ``pipeline``: every stage runs every frame, but stage i > 0 reads the output
  stage i - 1 produced on the previous frame, so the stages are independent
  within a frame (they can run concurrently: latency of the slowest stage).
- ``adaptive``: the shallow stages run every frame; the deep stages run when
  the change since the last full update passes ``threshold``: the relative L1
  change of the last shallow stage's features (``change_signal='features'``),
  of the class scores (``'scores'``) or the fraction of pixels whose predicted
  class changed (``'labels'``). The last two need a head that reads a shallow
  level (e.g. DeepLab-v3+), else the scores only change at full updates.
  ``tools/analysis_tools/tune_clock.py`` picks the threshold for a target
  update rate.

A frame is a *full update* when every stage ran on its own input chain; the
model counts them (``update_fraction``) and writes ``full_update`` and the
running ``update_fraction`` into each prediction's metainfo.
"""
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from mmseg.utils import ConfigType

from uda_video.registry import MODELS
from ..video_modules.backbone_stages import resnet_stages, stage_outputs
from ..video_modules.key_frame_schedule import KeyFrameSchedule
from .stateful import StatefulVideoSegmentor

Features = Tuple[torch.Tensor, ...]
SCHEDULES = ('fixed', 'alternating', 'pipeline', 'adaptive')
CHANGE_SIGNALS = ('features', 'scores', 'labels')


def fixed_rate_updates(frame_index: int, rates: Sequence[int]) -> List[bool]:
    """Which stages run on ``frame_index`` (0 = first frame of the video):
    stage i on the key frames of a schedule of interval ``rates[i]``."""
    return [KeyFrameSchedule(interval=r).is_key(frame_index) for r in rates]


def relative_change(cur: torch.Tensor, ref: torch.Tensor,
                    eps: float = 1e-6) -> float:
    """Mean |cur - ref| over mean |ref|: a scale-free change of features."""
    return float((cur - ref).abs().mean() / (ref.abs().mean() + eps))


def label_change(cur_logits: torch.Tensor, ref_logits: torch.Tensor) -> float:
    """Fraction of pixels whose arg-max class differs (N x K x H x W)."""
    return float((cur_logits.argmax(1) != ref_logits.argmax(1)).float().mean())


@MODELS.register_module()
class ClockworkSegmentor(StatefulVideoSegmentor):
    """Clockwork video segmentor around an mmseg ResNet-family backbone.

    Trains as the per-frame model (frame 0 of each clip); the clock acts at
    test time only.

    Args:
        backbone, decode_head: as mmseg's EncoderDecoder.
        schedule (str): 'fixed', 'alternating', 'pipeline' or 'adaptive'.
        rates (Sequence[int], optional): One rate >= 1 per stage ('fixed'
            only; default all 1).
        shallow_stages (int): Stages that run every frame under
            'alternating' and 'adaptive' (1 <= shallow_stages < stages).
        threshold (float): Change above which the adaptive clock fires.
        change_signal (str): 'features', 'scores' or 'labels' (adaptive
            clock).
        **kwargs: the other arguments of :class:`StatefulVideoSegmentor`
            (neck, auxiliary_head, train_cfg, test_cfg, data_preprocessor,
            pretrained, init_cfg).
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 schedule: str = 'fixed',
                 rates: Optional[Sequence[int]] = None,
                 shallow_stages: int = 1,
                 threshold: float = 0.1,
                 change_signal: str = 'features',
                 **kwargs):
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        num = len(resnet_stages(self.backbone))  # refuses other backbones
        for name, value, choices in (
                ('schedule', schedule, SCHEDULES),
                ('change_signal', change_signal, CHANGE_SIGNALS)):
            if value not in choices:
                raise ValueError(f'ClockworkSegmentor.{name} must be one of '
                                 f'{choices}, got {value!r}')
        if schedule in ('alternating', 'adaptive') and not (
                1 <= shallow_stages < num):
            raise ValueError(f'ClockworkSegmentor.shallow_stages must be in '
                             f'[1, {num - 1}] for {num} stages, got '
                             f'{shallow_stages}')
        if schedule == 'fixed':
            rates = tuple(rates) if rates is not None else (1, ) * num
            if len(rates) != num:
                raise ValueError(f'ClockworkSegmentor.rates must be {num} '
                                 f'ints >= 1 (one per stage), got {rates}')
        elif schedule == 'alternating':
            rates = (1, ) * shallow_stages + (2, ) * (num - shallow_stages)
        elif rates is not None:
            raise ValueError(f'ClockworkSegmentor.rates is only used by the '
                             f"'fixed' schedule, got rates={rates} with "
                             f'schedule={schedule!r}')
        self.schedule = schedule
        self.rates = rates
        # Stage i runs on the key frames of its own clock (fixed rates).
        self.stage_clocks = None if rates is None else tuple(
            KeyFrameSchedule(
                interval=r, interval_name=f'ClockworkSegmentor.rates[{i}]')
            for i, r in enumerate(rates))
        self.shallow_stages = int(shallow_stages)
        self.threshold = float(threshold)
        self.change_signal = change_signal
        self.reset_clock_stats()

    @property
    def _stages(self) -> List[Callable[[torch.Tensor], torch.Tensor]]:
        # Built per call: closures kept on the module would survive a
        # deepcopy (EMA teachers) still pointing at the original backbone.
        return resnet_stages(self.backbone)

    @property
    def num_stages(self) -> int:
        return len(self.backbone.res_layers)

    def reset_clock_stats(self) -> None:
        """Zero the frame, full-update and per-stage update counters."""
        self.num_frames = 0
        self.num_full_updates = 0
        self.stage_updates = [0] * self.num_stages

    @property
    def update_fraction(self) -> float:
        """Fraction of frames so far that were full updates (0 if none)."""
        return self.num_full_updates / max(self.num_frames, 1)

    def train(self, mode: bool = True):
        self.reset_clock_stats()
        return super().train(mode)

    def _outputs(self, stage_feats: Sequence[torch.Tensor]) -> Features:
        feats = stage_outputs(stage_feats, self.backbone.out_indices)
        if self.with_neck:
            feats = tuple(self.neck(feats))
        return feats

    def _run(self, feats: List, frame: torch.Tensor,
             indices: Sequence[int], ran: List[bool]) -> None:
        """Run the stages ``indices`` in order, each on the latest output
        of the stage before it (the frame for stage 0)."""
        stages = self._stages
        for i in indices:
            feats[i] = stages[i](frame if i == 0 else feats[i - 1])
            ran[i] = True

    def video_features(self, frame: torch.Tensor,
                       new_video: bool) -> Tuple[Features, dict]:
        cache = self.video_state.cache
        stages = self._stages
        num = len(stages)
        ran = [False] * num
        extra = dict()
        if new_video:
            feats = [None] * num
            self._run(feats, frame, range(num), ran)
            full = True
            if self.schedule == 'adaptive':
                self._set_reference(cache, feats)
        elif self.schedule == 'pipeline':
            prev = cache['stage_feats']
            feats = [stages[0](frame)] + [
                stages[i](prev[i - 1]) for i in range(1, num)
            ]
            ran = [True] * num
            full = False
        elif self.schedule == 'adaptive':
            feats = list(cache['stage_feats'])
            self._run(feats, frame, range(self.shallow_stages), ran)
            change = self._change(cache, feats)
            full = change > self.threshold
            if full:
                self._run(feats, frame, range(self.shallow_stages, num), ran)
                self._set_reference(cache, feats)
            extra['clock_change'] = change
        else:
            feats = list(cache['stage_feats'])
            flags = [
                clock.is_key(self.video_state.frame_index)
                for clock in self.stage_clocks
            ]
            self._run(feats, frame, [i for i in range(num) if flags[i]], ran)
            full = all(flags)
        cache['stage_feats'] = feats
        self.num_frames += 1
        self.num_full_updates += int(full)
        for i in range(num):
            self.stage_updates[i] += int(ran[i])
        self.last_frame_was_key = full
        extra.update(full_update=full, update_fraction=self.update_fraction)
        return self._outputs(feats), extra

    def _set_reference(self, cache: dict, feats: Sequence) -> None:
        cache['reference'] = self._signal(feats)

    def _signal(self, feats: Sequence) -> torch.Tensor:
        if self.change_signal == 'features':
            return feats[self.shallow_stages - 1]
        return self.decode_head(self._outputs(feats))

    def _change(self, cache: dict, feats: Sequence) -> float:
        cur, ref = self._signal(feats), cache['reference']
        if self.change_signal == 'labels':
            return label_change(cur, ref)
        return relative_change(cur, ref)
