"""Replaying video through a Clockwork segmentor's adaptive clock.

``tools/analysis_tools/tune_clock.py`` bisects the threshold for a target
update rate and ``benchmarks/bench_clock_curve.py`` measures accuracy and
speed at fixed thresholds; both replay the same frames, kept in memory, with
:func:`replay_at_threshold` (the clock's decisions depend on every earlier
frame of a video, so each threshold replays the whole sequence).
"""
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

from uda_video.apis.benchmark import build_eval_model
from uda_video.registry import MODELS


def build_clockwork_model(cfg: Config, checkpoint: Optional[str] = None):
    """``cfg.model`` in eval mode (:func:`build_eval_model`); a TypeError /
    ValueError names the config unless it is a ClockworkSegmentor with
    ``schedule='adaptive'``."""
    model = build_eval_model(cfg, checkpoint)
    if not isinstance(model, MODELS.get('ClockworkSegmentor')):
        raise TypeError(f'{cfg.filename}: model.type must be a '
                        f'ClockworkSegmentor, got {type(model).__name__}')
    if model.schedule != 'adaptive':
        raise ValueError(f"{cfg.filename}: model.schedule must be 'adaptive' "
                         f'to tune a threshold, got {model.schedule!r}')
    return model


def collect_frames(cfg: Config, split: str, num_frames: int,
                   progress: bool = False) -> List[dict]:
    """The first ``num_frames`` single-frame batches of the config's
    ``{split}_dataloader`` (which must have batch_size 1), in its order."""
    loader_cfg = cfg.get(f'{split}_dataloader')
    if not loader_cfg:
        raise KeyError(f'{cfg.filename} has no {split}_dataloader')
    if loader_cfg.get('batch_size', 1) != 1:
        raise ValueError(f'{split}_dataloader.batch_size must be 1 for a '
                         f"stateful segmentor, got {loader_cfg['batch_size']}")
    loader = Runner.build_dataloader(loader_cfg)
    batches = []
    bar = ProgressBar(num_frames) if progress else None
    for batch in loader:
        batches.append(batch)
        if bar is not None:
            bar.update()
        if len(batches) >= num_frames:
            break
    if not batches:
        raise ValueError(f'{split}_dataloader of {cfg.filename} yielded no '
                         'frames')
    return batches


@torch.no_grad()
def replay_at_threshold(model, batches: List[dict], threshold: float,
                        on_output: Optional[Callable] = None
                        ) -> Tuple[float, float]:
    """Run every batch through ``model.test_step`` with the clock at
    ``threshold``, from a fresh clock and video state.

    Args:
        on_output: called as ``on_output(batch, outputs)`` after each frame
            (not timed).

    Returns:
        (fraction of frames that were full updates, seconds spent in
        ``test_step``).
    """
    model.threshold = threshold
    model.reset_clock_stats()
    model.reset_video_state()
    seconds = 0.0
    for batch in batches:
        start = time.perf_counter()
        outputs = model.test_step(batch)
        seconds += time.perf_counter() - start
        if on_output is not None:
            on_output(batch, outputs)
    return model.update_fraction, seconds


def tune_threshold(update_fraction: Callable[[float], float],
                   target: float,
                   low: float = 0.0,
                   high: float = 1.0,
                   steps: int = 12) -> Tuple[float, float]:
    """The adaptive-clock threshold whose update fraction is nearest target.

    Args:
        update_fraction: runs the clock over unlabelled video at a threshold
            and returns the fraction of full updates (non-increasing in the
            threshold).
        target: wanted fraction in (0, 1].
        low, high: initial bracket; ``high`` grows x4 until the fraction at
            it drops to ``target`` or below (at most 16 times).
        steps: bisection steps after bracketing.

    Returns:
        (threshold, achieved fraction); ties prefer the larger fraction.
    """
    if not 0.0 < target <= 1.0:
        raise ValueError(f'target update rate must be in (0, 1], got {target}')
    if not 0.0 <= low < high:
        raise ValueError(f'need 0 <= low < high, got low={low}, high={high}')
    seen = {}

    def measure(threshold: float) -> float:
        if threshold not in seen:
            seen[threshold] = float(update_fraction(threshold))
        return seen[threshold]

    for _ in range(16):
        if measure(high) <= target:
            break
        low, high = high, high * 4.0
    for _ in range(steps):
        mid = 0.5 * (low + high)
        if measure(mid) > target:
            low = mid
        else:
            high = mid
    best = min(seen.items(), key=lambda kv: (abs(kv[1] - target), -kv[1]))
    return best


def tune_clock(model, batches: List[dict], target: float, steps: int = 12,
               on_step: Optional[Callable[[], None]] = None
               ) -> Tuple[float, float, Dict[float, float]]:
    """Bisect the threshold whose update fraction over ``batches`` is
    nearest ``target`` (:func:`tune_threshold`).

    Returns:
        (threshold, its update fraction, {threshold: update fraction} of
        every threshold replayed: the update-rate curve).
    """
    curve = {}

    def fraction(threshold: float) -> float:
        curve[threshold] = replay_at_threshold(model, batches, threshold)[0]
        if on_step is not None:
            on_step()
        return curve[threshold]

    threshold, achieved = tune_threshold(fraction, target=target,
                                         steps=steps)
    return threshold, achieved, curve
