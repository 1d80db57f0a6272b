"""The UDA decorator seam: a model that wraps any segmentor.

Evaluation (``predict``/``tensor`` modes, ``val_step``/``test_step``) calls
straight through to the wrapped segmentor; the wrapper owns ``train_step`` and
optimises named submodules with an mmengine ``OptimWrapperDict`` whose keys
are submodule names (``segmentor``, ``discriminator``, ...), so every
optimizer state is in the checkpoint.

Training batches come from ``UDADataset``: ``dict(source=clip_batch,
target=clip_batch)``, each ``dict(inputs=[T x 3 x H x W, ...],
data_samples=[SegDataSample, ...])`` (docs/conventions.md).
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config, ConfigDict
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.utils import OptSampleList, SampleList, add_prefix

from uda_video.registry import MODELS
from ..losses.utils import scale_losses
from ..segmentors.base_video import clip_frames
from ..segmentors.clip_training import seam_refusal

ConfigType = Union[dict, ConfigDict]


def sub_wrapper(optim_wrapper: Union[OptimWrapper, OptimWrapperDict],
                name: str) -> OptimWrapper:
    """The optim wrapper of submodule ``name`` (a plain wrapper is itself)."""
    if isinstance(optim_wrapper, OptimWrapperDict):
        if name not in optim_wrapper:
            raise KeyError(f'optim_wrapper has no entry {name!r}; configure '
                           f'optim_wrapper.{name} (have: '
                           f'{list(optim_wrapper.keys())})')
        return optim_wrapper[name]
    if name != 'segmentor':
        raise TypeError(f'training {name!r} needs an OptimWrapperDict '
                        '(optim_wrapper=dict(constructor='
                        "'NamedModulesOptimWrapperConstructor', ...))")
    return optim_wrapper


def check_choice(name: str, value, choices: Sequence) -> None:
    """Raise ValueError naming argument ``name`` unless ``value`` is one of
    ``choices``."""
    if value not in choices:
        raise ValueError(f'{name} must be one of {tuple(choices)}, got '
                         f'{value!r}')


SEAM_CALLS = ('clip_logits', 'logit_losses', 'clip_losses',
              'check_clip_sampling', 'clip_sampling')


def segmentor_call(segmentor: torch.nn.Module, call: str):
    """``segmentor``'s UDA-seam ``call`` (one of :data:`SEAM_CALLS`).

    The only way UDA methods reach a segmentor during training; a segmentor
    without the call (not built on ``ClipTrainingMixin``) is refused by name.
    """
    fn = getattr(segmentor, call, None)
    if fn is None:
        raise seam_refusal(
            segmentor, call, 'build it on uda_video.models.segmentors.'
            'ClipTrainingMixin (ClipEncoderDecoder, StatefulVideoSegmentor)')
    return fn


def segmentor_config(segmentor: Union[str, ConfigType]) -> ConfigType:
    """The wrapped segmentor's model config.

    ``segmentor`` is a model dict, or ``dict(config=PATH, **overrides)`` (or
    just PATH): the ``model`` of the segmentor config file PATH (relative to
    the working directory, the repository root for tools/) with
    ``overrides`` merged in, so an adapted model is the very segmentor its
    own config trains.
    """
    if isinstance(segmentor, str):
        segmentor = dict(config=segmentor)
    if 'config' not in segmentor:
        return segmentor
    path = segmentor['config']
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'segmentor config {path} does not exist (paths are relative to '
            f'the working directory {os.getcwd()})')
    cfg = Config.fromfile(path)  # runs its custom_imports
    if 'model' not in cfg:
        raise KeyError(f'segmentor config {path} has no "model"')
    overrides = {k: v for k, v in segmentor.items() if k != 'config'}
    cfg.merge_from_dict(dict(model=overrides))
    return cfg.model


def frozen(module: torch.nn.Module):
    """Context manager: ``module``'s parameters get no gradient inside."""

    class _Frozen:

        def __enter__(self):
            self.flags = [p.requires_grad for p in module.parameters()]
            for p in module.parameters():
                p.requires_grad_(False)

        def __exit__(self, *exc):
            for p, flag in zip(module.parameters(), self.flags):
                p.requires_grad_(flag)

    return _Frozen()


@MODELS.register_module()
class UDASegmentor(BaseModel):
    """Source-only training in the UDA framework (the base of every method).

    Args:
        segmentor: config (dict, or a segmentor config file's path, see
            :func:`segmentor_config`) of the wrapped segmentor: any serving
            the UDA seam (``ClipTrainingMixin``: per-frame, DFF, Clockwork,
            TDNet, TCD student, plug-ins built on them); training reaches it
            only through :func:`segmentor_call`.
        source_loss_weight: weight of the supervised source loss.
        data_preprocessor: optional preprocessor config (the Runner passes a
            top-level ``data_preprocessor``); default: the segmentor's.
        init_cfg: mmengine init config.
    """

    def __init__(self, segmentor: ConfigType,
                 source_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.segmentor = MODELS.build(segmentor_config(segmentor))
        if data_preprocessor is None:
            # One preprocessor: the segmentor's (clips and images alike).
            self.data_preprocessor = self.segmentor.data_preprocessor
        self.source_loss_weight = source_loss_weight

    # ---- evaluation: straight through to the segmentor ------------------
    def forward(self, inputs: torch.Tensor, data_samples: OptSampleList = None,
                mode: str = 'tensor'):
        if mode == 'predict':
            return self.segmentor.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.segmentor._forward(inputs, data_samples)
        if mode == 'loss':
            return self.segmentor.loss(inputs, data_samples)
        raise ValueError(f'Invalid mode "{mode}"')

    # ---- helpers ----------------------------------------------------------
    def preprocess(self, data: dict, name: str) -> Tuple[torch.Tensor,
                                                         SampleList]:
        """Normalise ``data[name]`` (a collated clip batch) for training."""
        if name not in data:
            raise KeyError(f'UDA training batches need key {name!r} '
                           '(use UDADataset); got keys '
                           f'{sorted(data.keys())}')
        out = self.data_preprocessor(data[name], True)
        return clip_frames(out['inputs']), out['data_samples']

    def frame_outputs(self, clips: torch.Tensor, num_frames: int,
                      with_aux: bool = False) -> Dict[str, torch.Tensor]:
        """The segmentor's logits of the first ``num_frames`` frames of each
        clip (its ``clip_logits``: per frame, propagated by flow, ...).

        Args:
            clips: N x T x C x H x W (key frame first).

        Returns:
            dict with 'seg' (and 'aux' when asked and present): N x F x K x h x w
            logits at the decoder's resolution, plus the segmentor's own
            entries (pass the dict back to :meth:`supervised_losses`).
        """
        return segmentor_call(self.segmentor, 'clip_logits')(
            clips, num_frames, with_aux=with_aux)

    def supervised_losses(self, logits: Dict[str, torch.Tensor],
                          data_samples: SampleList,
                          prefix: str = 'src') -> Dict[str, torch.Tensor]:
        """The segmentor's supervised losses (its ``logit_losses``) on the key
        frame of ``logits`` (a :meth:`frame_outputs` dict), keys prefixed."""
        losses = segmentor_call(self.segmentor, 'logit_losses')(
            logits, data_samples)
        return add_prefix(losses, prefix)

    def check_clip_sampling(self, data_samples: SampleList,
                            num_frames: int) -> None:
        """Refuse clips whose ``frame_offsets`` the segmentor cannot use for
        ``num_frames`` frames (its ``clip_sampling``)."""
        segmentor_call(self.segmentor, 'check_clip_sampling')(
            data_samples, num_frames)

    def scaled(self, losses: Dict[str, torch.Tensor],
               weight: float) -> Dict[str, torch.Tensor]:
        """Multiply every loss term (keys containing 'loss') by ``weight``."""
        return scale_losses(losses, weight)

    def update(self, optim_wrapper: OptimWrapper,
               losses: Dict[str, torch.Tensor],
               tag: Optional[str] = None) -> Dict[str, torch.Tensor]:
        """Parse, backward and step one optim wrapper; return its log vars.

        The total is logged as 'loss', or as '{tag}.loss' when ``tag`` is given.
        """
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(loss)
        if tag is not None:
            log_vars[f'{tag}.loss'] = log_vars.pop('loss')
        return log_vars

    # ---- training ---------------------------------------------------------
    def source_losses(self, clips: torch.Tensor, data_samples: SampleList,
                      num_frames: int = 1, with_aux: bool = False
                      ) -> Tuple[Dict[str, torch.Tensor],
                                 Dict[str, torch.Tensor]]:
        """Weighted supervised losses of preprocessed source clips, and the
        logits of their first ``num_frames`` frames.

        The losses are the segmentor's own training losses: its
        ``logit_losses`` on those logits plus its ``clip_losses`` on the
        clip (distillation, temporal consistency), keys prefixed 'src.'.
        """
        self.check_clip_sampling(data_samples, num_frames)
        logits = self.frame_outputs(clips, num_frames, with_aux=with_aux)
        losses = self.supervised_losses(logits, data_samples)
        losses.update(add_prefix(
            segmentor_call(self.segmentor, 'clip_losses')(
                clips, logits, data_samples), 'src'))
        return self.scaled(losses, self.source_loss_weight), logits

    def source_step(self, data: dict, with_aux: bool = False,
                    num_frames: int = 1
                    ) -> Tuple[Dict[str, torch.Tensor],
                               Dict[str, torch.Tensor]]:
        """:meth:`source_losses` of the batch's source clips."""
        clips, samples = self.preprocess(data, 'source')
        return self.source_losses(clips, samples, num_frames, with_aux)

    def target_step(self, data: dict, num_frames: int = 1
                    ) -> Tuple[torch.Tensor, SampleList]:
        """The batch's preprocessed target clips (N x T x C x H x W) and
        samples, refused when their ``frame_offsets`` cannot give the
        segmentor ``num_frames`` frames (:meth:`check_clip_sampling`)."""
        clips, samples = self.preprocess(data, 'target')
        self.check_clip_sampling(samples, num_frames)
        return clips, samples

    def train_losses(self, data: dict) -> Dict[str, torch.Tensor]:
        """The losses of one training batch (forward passes only): the
        weighted source losses; methods with one optimizer add their target
        terms by overriding this."""
        losses, _ = self.source_step(data, with_aux=True)
        return losses

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, torch.Tensor]:
        """One segmentor update on :meth:`train_losses`: the forward passes
        run in the wrapper's context (autocast under AMP), backward and step
        outside it."""
        seg_wrapper = sub_wrapper(optim_wrapper, 'segmentor')
        with seg_wrapper.optim_context(self.segmentor):
            losses = self.train_losses(data)
        return self.update(seg_wrapper, losses)

