"""One optimizer per named submodule: an OptimWrapperDict for UDA models.

mmengine's Runner builds a multi-optimizer wrapper only through a constructor;
this one reads ``optim_wrapper=dict(constructor='NamedModulesOptimWrapperConstructor',
segmentor=dict(type='OptimWrapper', optimizer=...), discriminator=dict(...))``
and builds each entry with mmengine's default constructor on
``model.<name>``. Param schedulers keyed by the same names follow
(``param_scheduler=dict(segmentor=[...], discriminator=[...])``).

Wrapper settings at the top level (``SHARED_KEYS``: ``type``, ``loss_scale``,
``dtype``, ...) apply to every named entry and replace the entry's own value:
``tools/train.py --amp`` sets ``type='AmpOptimWrapper'`` there (as mmengine
does for any config), so every sub-wrapper becomes an AMP wrapper.

Also here: :class:`CPUAmpOptimWrapper`, mixed precision on a CPU-only machine
(bfloat16 autocast), which mmengine's ``AmpOptimWrapper`` refuses.
"""
from contextlib import contextmanager
from typing import Union

import torch
import torch.nn as nn
from mmengine.optim import (DefaultOptimWrapperConstructor, OptimWrapper,
                            OptimWrapperDict)

from uda_video.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS

# Top-level keys of a named optim_wrapper config that configure every entry.
SHARED_KEYS = ('type', 'loss_scale', 'dtype', 'use_fsdp',
               'accumulative_counts', 'clip_grad')


def apply_shared_settings(optim_wrapper_cfg: dict) -> dict:
    """Named entries with the top-level ``SHARED_KEYS`` applied to each.

    Args:
        optim_wrapper_cfg: ``dict(segmentor=dict(...), ..., type=..., ...)``
            (without ``constructor`` and ``paramwise_cfg``).

    Returns:
        ``dict(name=entry config)``; a shared key replaces the entry's value.

    Raises:
        ValueError naming the key when a non-shared entry is not an optim
        wrapper config with an ``optimizer``.
    """
    shared = {k: v for k, v in optim_wrapper_cfg.items() if k in SHARED_KEYS}
    named = {}
    for name, cfg in optim_wrapper_cfg.items():
        if name in SHARED_KEYS:
            continue
        if not isinstance(cfg, dict) or 'optimizer' not in cfg:
            raise ValueError(
                f'optim_wrapper.{name} must be an optim wrapper config with '
                f'an optimizer (or one of the settings shared by every entry: '
                f'{", ".join(SHARED_KEYS)}), got {cfg!r}')
        entry = dict(cfg)
        entry.update(shared)
        named[name] = entry
    if not named:
        raise ValueError('optim_wrapper needs at least one named entry')
    return named


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class NamedModulesOptimWrapperConstructor:
    """Build ``OptimWrapperDict(name=wrapper of model.<name>)``.

    Args:
        optim_wrapper_cfg: dict name -> optim wrapper config (each with its
            ``optimizer`` and optional ``paramwise_cfg``), plus optional
            top-level ``SHARED_KEYS`` applied to every entry.
        paramwise_cfg: must be None (give it per entry).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None) -> None:
        if paramwise_cfg is not None:
            raise ValueError('give paramwise_cfg inside each named entry of '
                             'optim_wrapper, not at its top level')
        self.optim_wrapper_cfg = apply_shared_settings(dict(optim_wrapper_cfg))

    def __call__(self, model) -> OptimWrapperDict:
        if hasattr(model, 'module'):
            model = model.module
        wrappers = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            module = getattr(model, name, None)
            if module is None:
                raise AttributeError(f'optim_wrapper.{name}: the model '
                                     f'{type(model).__name__} has no '
                                     f'submodule {name!r}')
            cfg = dict(cfg)
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(
                cfg, paramwise)(module)
        return OptimWrapperDict(**wrappers)


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision on the CPU: forward passes in bfloat16 autocast.

    mmengine's ``AmpOptimWrapper`` asserts a GPU/NPU/MLU/MUSA device, and
    CPU autocast supports bfloat16 only. bfloat16 keeps float32's exponent
    range, so gradients need no loss scaling (the scale is 1; parameters and
    optimizer state stay float32). ``tools/train.py --amp`` selects this
    wrapper when CUDA is unavailable.

    Args:
        dtype: 'bfloat16' (or ``torch.bfloat16``); anything else is refused.
        loss_scale: accepted for config compatibility with
            ``AmpOptimWrapper`` and ignored (no scaling in bfloat16).
        **kwargs: OptimWrapper arguments (optimizer, clip_grad, ...).
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16',
                 loss_scale=None, **kwargs) -> None:
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError(
                f'CPUAmpOptimWrapper: CPU autocast supports only bfloat16, '
                f'got dtype={dtype!r} (float16 mixed precision needs a CUDA '
                'device and AmpOptimWrapper)')
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module):
        """OptimWrapper's context plus ``torch.autocast('cpu', bfloat16)``."""
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield


AMP_TYPES = ('AmpOptimWrapper', 'CPUAmpOptimWrapper')


def enable_amp(optim_wrapper_cfg: dict, cuda: bool) -> bool:
    """Turn an optim_wrapper config into mixed precision, in place.

    Plain and named (``NamedModulesOptimWrapperConstructor``) configs alike
    get the AMP type at their top level (applied to every named entry):
    ``AmpOptimWrapper`` with dynamic loss scaling when ``cuda``, else
    :class:`CPUAmpOptimWrapper` (bfloat16 autocast).

    Returns:
        False when the config already used an AMP wrapper (left unchanged),
        True when it was changed.

    Raises:
        ValueError naming the entry when a wrapper type is neither
        ``OptimWrapper`` nor an AMP wrapper.
    """
    if 'type' in optim_wrapper_cfg or 'optimizer' in optim_wrapper_cfg:
        types = {'optim_wrapper': optim_wrapper_cfg.get('type',
                                                        'OptimWrapper')}
    else:  # named entries without a shared type
        types = {f'optim_wrapper.{k}': v.get('type', 'OptimWrapper')
                 for k, v in optim_wrapper_cfg.items()
                 if isinstance(v, dict) and k not in SHARED_KEYS}
    if any(t in AMP_TYPES for t in types.values()):
        return False
    for key, value in types.items():
        if value != 'OptimWrapper':
            raise ValueError(f'--amp supports optim wrappers of type '
                             f'OptimWrapper, but {key} is {value!r}')
    if cuda:
        optim_wrapper_cfg['type'] = 'AmpOptimWrapper'
        optim_wrapper_cfg['loss_scale'] = 'dynamic'
    else:
        optim_wrapper_cfg['type'] = 'CPUAmpOptimWrapper'
        optim_wrapper_cfg['dtype'] = 'bfloat16'
    return True
