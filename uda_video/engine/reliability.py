"""Hooks that make long runs survive faults: exact RNG resume, finite losses."""
import math
import random
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from uda_video.registry import HOOKS


def get_rng_states() -> Dict[str, Any]:
    """Python, numpy and torch (CPU and CUDA) generator states, pickle-safe.

    numpy's MT19937 key is stored as a list so that the checkpoint needs no
    numpy globals beyond those already allow-listed.
    """
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states = dict(
        python=random.getstate(),
        numpy=(kind, keys.tolist(), int(pos), int(has_gauss), float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: Dict[str, Any]) -> None:
    """Restore what :func:`get_rng_states` returned."""
    random.setstate(_to_tuple(states['python']))
    kind, keys, pos, has_gauss, cached = states['numpy']
    np.random.set_state(
        (kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])


def _to_tuple(state):
    """random.setstate needs (version, tuple(internal), gauss) tuples."""
    version, internal, gauss = state
    return version, tuple(internal), gauss


class _RestoreBeforeFetch:
    """Data iterator proxy: after ``skip`` replayed batches, restore ``states``
    right before fetching the next batch (whose random transforms then draw
    exactly what the uninterrupted run drew)."""

    def __init__(self, inner, skip: int, states: Dict[str, Any]) -> None:
        self.inner = inner
        self.skip = skip
        self.states: Optional[Dict[str, Any]] = states

    def __iter__(self):
        return self

    def __next__(self):
        if self.skip > 0:
            self.skip -= 1
        elif self.states is not None:
            set_rng_states(self.states)
            self.states = None
        return next(self.inner)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random generators with every checkpoint and restore them on resume.

    mmengine's resume restores weights, optimizers, schedulers and the iteration,
    and replays the data loader up to that iteration, but not the generators
    that random transforms and dropout draw from. This hook stores them in
    ``checkpoint['rng_states']`` and, on resume, restores them right before the
    first resumed batch is fetched (after the replay, which draws numbers of its
    own), so a resumed run continues exactly as an uninterrupted one would.

    Data loader workers need nothing from this hook: mmengine seeds each
    worker from the config's seed, the rank and the worker id, and the replay
    makes them draw what they drew before, so resume stays exact with
    ``num_workers > 0`` as long as ``num_workers``, the batch size, the seed
    and the number of processes are unchanged. This hook restores the main
    process's generators (dropout, random choices inside the model).
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['rng_states'] = get_rng_states()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get('rng_states')

    def before_train(self, runner) -> None:
        if self._pending is None:
            return
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):
            # IterBasedTrainLoop replays runner.iter batches, then fetches.
            loop.dataloader_iterator = _RestoreBeforeFetch(
                loop.dataloader_iterator, runner.iter, self._pending)
        else:  # epoch-based: the next epoch starts from the saved state
            set_rng_states(self._pending)
        self._pending = None


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training at the first NaN or infinite loss, naming it.

    Runs after each iteration before the CheckpointHook, so the step whose loss
    is not finite is never saved and the last good checkpoint stays the latest.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        for name, value in (outputs or {}).items():
            if 'loss' not in name:
                continue
            v = float(value.detach().float().mean()) if isinstance(
                value, torch.Tensor) else float(value)
            if not math.isfinite(v):
                raise FloatingPointError(
                    f'loss "{name}" is {v} at iteration {runner.iter + 1}; '
                    'training stopped. The last good checkpoint in '
                    f'{runner.work_dir} is kept; resume with --resume after '
                    'fixing the cause (learning rate, data, AMP scaling).')


def compare_state_keys(model_state: Dict[str, torch.Tensor],
                       ckpt_state: Dict[str, torch.Tensor]) -> Dict[str, list]:
    """Keys the checkpoint lacks, keys it has in excess, and shape mismatches."""
    return dict(
        missing=sorted(k for k in model_state if k not in ckpt_state),
        unexpected=sorted(k for k in ckpt_state if k not in model_state),
        mismatched=sorted(
            k for k in ckpt_state if k in model_state
            and tuple(ckpt_state[k].shape) != tuple(model_state[k].shape)))


def _listing(keys: list, limit: int = 8) -> str:
    more = f' ... (+{len(keys) - limit} more)' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Refuse a checkpoint that does not belong to the model, naming the keys.

    mmengine loads checkpoints with ``strict=False`` and only warns. Before
    the weights are loaded this hook raises a ``KeyError`` that names the
    checkpoint and the missing, unexpected and mismatched keys:

    - on ``--resume``: when any key differs (a resumed run continues the very
      same model);
    - on ``load_from``: when a shared key has another shape, or when the
      checkpoint holds none of the model's keys. Other differences are
      allowed, e.g. phase 2 of UDA starting from phase 1 (no teacher yet, a
      discriminator no longer used).
    """

    priority = 'VERY_HIGH'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict', checkpoint)
        state = {k[7:] if k.startswith('module.') else k: v
                 for k, v in state.items() if isinstance(v, torch.Tensor)}
        model = getattr(runner.model, 'module', runner.model)
        diff = compare_state_keys(model.state_dict(), state)
        resuming = bool(getattr(runner, '_resume', False))
        bad = (any(diff.values()) if resuming else
               bool(diff['mismatched']) or not (set(state)
                                                & set(model.state_dict())))
        if bad:
            where = getattr(runner, '_load_from', None) or runner.work_dir
            raise KeyError(
                f'checkpoint ({where}) does not match the model '
                f'{type(model).__name__}'
                f'{" being resumed" if resuming else ""}: missing keys: '
                f'[{_listing(diff["missing"])}]; unexpected keys: '
                f'[{_listing(diff["unexpected"])}]; shape mismatches: '
                f'[{_listing(diff["mismatched"])}]')
