"""Frozen models loaded from a config and a checkpoint.

A frozen model (a deep segmentor a student distils from, or a pretrained flow
network) is built from its model config, loaded with mmengine's
``load_checkpoint`` and frozen: eval mode, no gradients. It is held in a
:class:`FrozenModel`, outside its owner's module tree, so the owner's
checkpoints, optimizer and ``train()`` calls never touch it. (The EMA teacher
of self-training, ``uda/ema.py``, is a different thing: trained weights
averaged inside the owner's module tree.)
"""
import os.path as osp
from typing import Callable, Union

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.model import revert_sync_batchnorm

from uda_video.registry import MODELS


def _model_cfg(config: Union[str, dict]) -> dict:
    """A model config from a config file path (its ``model``) or a dict."""
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'model config {config} does not exist')
        cfg = Config.fromfile(config)
        if 'model' not in cfg:
            raise KeyError(f'model config {config} has no "model" key')
        return cfg.model
    if isinstance(config, (dict, ConfigDict)):
        return config
    raise TypeError('frozen model config must be a config file path or a '
                    f'model dict, got {type(config).__name__}')


def load_frozen_model(config: Union[str, dict], checkpoint: str) -> nn.Module:
    """Build a model from ``config``, load ``checkpoint`` exactly, freeze it.

    Args:
        config: config file path (its ``model`` is used) or a model dict.
        checkpoint: checkpoint path (an mmengine runner checkpoint or a bare
            state dict); every key of the model must be in it and vice versa.

    Raises:
        FileNotFoundError: the checkpoint does not exist.
        ValueError: keys missing from or unexpected in the checkpoint, named.
    """
    if not isinstance(checkpoint, str) or not osp.isfile(checkpoint):
        raise FileNotFoundError(f'frozen model checkpoint {checkpoint!r} does '
                                'not exist')
    from mmengine.runner import load_checkpoint  # heavy: import on use
    model = MODELS.build(_model_cfg(config))
    # A frozen model only runs in eval mode, where SyncBN equals BN.
    model = revert_sync_batchnorm(model)
    ckpt = load_checkpoint(
        model, checkpoint, map_location='cpu', strict=False, logger='silent')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    loaded = {k[len('module.'):] if k.startswith('module.') else k
              for k in state}
    expected = set(model.state_dict())
    missing = sorted(k for k in expected - loaded
                     if not k.endswith('num_batches_tracked'))
    unexpected = sorted(loaded - expected)
    if missing or unexpected:
        raise ValueError(
            f'checkpoint {checkpoint} does not match the frozen model: '
            f'missing keys {missing[:20]}{" ..." if len(missing) > 20 else ""}'
            f' ({len(missing)}); unexpected keys {unexpected[:20]}'
            f'{" ..." if len(unexpected) > 20 else ""} ({len(unexpected)})')
    model.eval()
    model.requires_grad_(False)
    return model


class FrozenModel:
    """A frozen model kept out of its owner's module tree.

    Not an ``nn.Module``: its weights stay out of the owner's ``state_dict``
    and optimizer, and the owner's ``train()`` does not switch it out of eval
    mode. :meth:`__call__` moves it to the device of its first tensor argument
    on first use and runs it without gradients.
    """

    def __init__(self, model: nn.Module) -> None:
        self.module = model.eval().requires_grad_(False)

    def to(self, device) -> 'FrozenModel':
        self.module.to(device)
        return self

    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def __call__(self, fn: Callable, *args):
        """``fn(self.module, *args)`` under ``no_grad``, in eval mode.

        Moves the model to the device of the first tensor argument first.
        """
        first = next((a for a in args if torch.is_tensor(a)), None)
        if first is not None and first.device != self.device():
            self.to(first.device)
        self.module.eval()
        with torch.no_grad():
            return fn(self.module, *args)


def build_frozen_model(config: Union[str, dict],
                       checkpoint: str) -> FrozenModel:
    """:func:`load_frozen_model` wrapped in a :class:`FrozenModel`."""
    return FrozenModel(load_frozen_model(config, checkpoint))


def decode_features(segmentor: nn.Module, img: torch.Tensor):
    """Decoder feature and class scores of an mmseg encoder-decoder.

    Args:
        segmentor: has ``extract_feat`` and a ``decode_head`` with
            ``_forward_feature`` (PSPHead, FCNHead, ASPPHead, ...) and ``cls_seg``.
        img: N x 3 x H x W normalized images.

    Returns:
        (feature N x C x h x w before the classifier, logits N x K x h x w).
    """
    head = getattr(segmentor, 'decode_head', None)
    if head is None or not hasattr(head, '_forward_feature'):
        raise TypeError(
            f'{type(segmentor).__name__} with decode head '
            f'{type(head).__name__} exposes no feature before its classifier '
            '(decode_head._forward_feature); use PSPHead, FCNHead or ASPPHead')
    feat = head._forward_feature(segmentor.extract_feat(img))
    return feat, head.cls_seg(feat)
