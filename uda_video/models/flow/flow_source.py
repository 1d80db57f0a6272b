"""The flow-source component: where a model or a metric gets optical flow.

Every flow source answers one question: the flow from a *target* frame to a
*source* frame, N x 2 x H x W in pixels, channel 0 = u = dx, channel 1 =
v = dy, the backward flow of the project's convention
(``flow_warp(x_source, flow)(p) = x_source(p + flow(p))`` approximates
``x_target``). Types (MODELS, role name ``flow_source`` in every config):

- :class:`SampleFlow`: the flow files the dataset loaded onto the samples
  (``gt_flow`` / ``gt_flow_back``, read by
  :func:`uda_video.structures.sample_flow`);
- ``ClassicalFlow``: OpenCV DIS or Farneback on the frames;
- ``FlowNetS`` / ``FlowNetC``: a flow network trained with its owner;
- :class:`FrozenFlow`: a flow network loaded from a checkpoint and frozen,
  kept out of its owner's state dict.
"""
import copy
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule

from uda_video.ops import resize_flow
from uda_video.registry import MODELS
from uda_video.structures import sample_flow, sample_has_flow
from ..utils.frozen_model import FrozenModel, load_frozen_model

Size = Optional[Sequence[int]]


def _check_pair(target: torch.Tensor, source: torch.Tensor) -> None:
    if target.dim() != 4 or target.shape != source.shape:
        raise ValueError('target and source frames must be N x C x H x W of '
                         f'one shape, got {tuple(target.shape)} and '
                         f'{tuple(source.shape)}')


class BaseFlowSource(BaseModule):
    """Base of the flow sources.

    Subclasses implement :meth:`estimate`; callers use :meth:`flow`,
    :meth:`reverse_flow` and :meth:`clip_flows`.
    """

    def estimate(self,
                 target: torch.Tensor,
                 source: torch.Tensor,
                 data_samples: Optional[Sequence] = None) -> torch.Tensor:
        """Flow target -> source, N x 2 x h x w on the source's own grid
        (pixels of that grid; a network's finest level may be coarser than
        the N x 3 x H x W frames)."""
        raise NotImplementedError

    def flow(self,
             target: torch.Tensor,
             source: torch.Tensor,
             data_samples: Optional[Sequence] = None,
             size: Size = None) -> torch.Tensor:
        """Flow target -> source, N x 2 x H x W at ``size`` (default the
        frames' H x W), values rescaled to that grid."""
        flow = self.estimate(target, source, data_samples)
        if flow.dim() != 4 or flow.shape[:2] != (target.shape[0], 2):
            raise ValueError(f'{type(self).__name__} returned a flow of shape '
                             f'{tuple(flow.shape)}, expected '
                             f'{target.shape[0]} x 2 x h x w')
        return resize_flow(flow, size if size is not None else
                           target.shape[-2:])

    def reverse_flow(self,
                     target: torch.Tensor,
                     source: torch.Tensor,
                     data_samples: Optional[Sequence] = None,
                     size: Size = None) -> Optional[torch.Tensor]:
        """Flow source -> target (for forward-backward checks), N x 2 x H x W,
        or None where the source cannot give it."""
        return self.flow(source, target, data_samples, size=size)

    def clip_flows(self,
                   clips: torch.Tensor,
                   data_samples: Optional[Sequence],
                   num_refs: int,
                   size: Size = None) -> torch.Tensor:
        """Flows from each clip's key frame (index 0) to its frames
        1..``num_refs``: N x R x 2 x H x W (``clips``: N x T x C x H x W)."""
        if clips.dim() != 5 or clips.shape[1] <= num_refs:
            raise ValueError(f'clips must be N x T x C x H x W with T > '
                             f'{num_refs}, got {tuple(clips.shape)}')
        n = clips.shape[0]
        size = tuple(size if size is not None else clips.shape[-2:])
        key = clips[:, :1].expand(-1, num_refs, -1, -1, -1).flatten(0, 1)
        refs = clips[:, 1:num_refs + 1].flatten(0, 1)
        flow = self.flow(key, refs, size=size)
        return flow.view(n, num_refs, 2, *size)


@MODELS.register_module()
class SampleFlow(BaseFlowSource):
    """The flow carried by the data samples (precomputed files).

    Args:
        key: field of the target -> source flow, (T-1) x 2 x H x W.
        back_key: field of the source -> target flow (for
            :meth:`reverse_flow`; None when absent from a sample).
        index: the entry of the fields a pair reads: reference frame
            ``index + 1`` of each clip.

    The frames only give the output size; ``data_samples`` is required.
    """

    def __init__(self,
                 key: str = 'gt_flow',
                 back_key: str = 'gt_flow_back',
                 index: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.key = key
        self.back_key = back_key
        self.index = index

    @staticmethod
    def _samples(data_samples: Optional[Sequence]) -> Sequence:
        if data_samples is None:
            raise ValueError('SampleFlow reads the flow of the data samples; '
                             'the caller passed none')
        return data_samples

    def estimate(self, target, source, data_samples=None) -> torch.Tensor:
        return sample_flow(self._samples(data_samples), self.key,
                           self.index).to(target)

    def reverse_flow(self, target, source, data_samples=None, size=None):
        samples = self._samples(data_samples)
        if not sample_has_flow(samples, self.back_key):
            return None
        flow = sample_flow(samples, self.back_key, self.index).to(target)
        return resize_flow(flow, size if size is not None else
                           target.shape[-2:])

    def clip_flows(self, clips, data_samples, num_refs, size=None):
        flows = sample_flow(self._samples(data_samples), self.key,
                            slice(0, num_refs)).to(clips)
        size = tuple(size if size is not None else clips.shape[-2:])
        flows = resize_flow(flows.flatten(0, 1), size)
        return flows.view(clips.shape[0], num_refs, 2, *size)


@MODELS.register_module()
class FrozenFlow(BaseFlowSource):
    """A pretrained flow network, loaded and frozen (no gradients, eval
    mode, no weights in its owner's state dict or optimizer).

    Args:
        network: config of a flow source (e.g. ``dict(type='FlowNetS')``), or
            a config file / model dict of a ``FlowEstimator`` whose network
            is used.
        checkpoint: its checkpoint (every key must match).
    """

    def __init__(self,
                 network: dict,
                 checkpoint: str,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        model = load_frozen_model(network, checkpoint)
        model = getattr(model, 'flow_net', model)
        if not isinstance(model, BaseFlowSource):
            raise TypeError(f'FrozenFlow network {network} is not a flow '
                            f'source, got {type(model).__name__}')
        self.network = FrozenModel(model)

    def estimate(self, target, source, data_samples=None) -> torch.Tensor:
        _check_pair(target, source)
        return self.network(lambda m, a, b: m.estimate(a, b), target, source)


def flow_source_config(owner: str, flow_source: Optional[dict] = None,
                       **old_keys: Optional[dict]) -> Optional[dict]:
    """The ``flow_source`` config of ``owner``, translated from the old name
    of the role (``flow_net=``, ``flow_estimator=``, ``flow_backend=``) in
    configs written before it was named ``flow_source``.

    An old key without ``type`` (e.g. ``--cfg-options
    model.flow_net.init_cfg.type=Pretrained`` on a new config) updates
    ``flow_source``.

    Raises:
        ValueError: two complete configs (with ``type``) are set.
    """
    given = [(k, v) for k, v in old_keys.items() if v is not None]
    if flow_source is not None:
        given.insert(0, ('flow_source', flow_source))
    full = [k for k, v in given if 'type' in v]
    if len(full) > 1:
        raise ValueError(f'{owner}: set only flow_source (got {full})')
    if not given:
        return None
    cfg = copy.deepcopy(dict(next((v for k, v in given if 'type' in v),
                                  given[0][1])))
    for _, v in given:
        if 'type' not in v:
            cfg = _merge(cfg, v)
    return cfg


def _merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for k, v in update.items():
        out[k] = (_merge(out[k], v) if isinstance(v, dict)
                  and isinstance(out.get(k), dict) else v)
    return out


OLD_ROLE_NAMES = ('flow_net', 'flow_estimator')


def rename_flow_keys(state_dict: dict, prefix: str = '') -> None:
    """Rename ``{prefix}flow_net.*`` / ``{prefix}flow_estimator.*`` keys to
    ``{prefix}flow_source.*`` in place (checkpoints saved before the role was
    named ``flow_source``)."""
    for old in OLD_ROLE_NAMES:
        head = f'{prefix}{old}.'
        for key in [k for k in state_dict if k.startswith(head)]:
            state_dict[f'{prefix}flow_source.{key[len(head):]}'] = \
                state_dict.pop(key)


class FlowSourceOwner:
    """Mixin of the modules holding a ``flow_source``: their checkpoints
    saved under an older name of the attribute still load."""

    @staticmethod
    def upgrade_state_dict_keys(state_dict: dict, prefix: str) -> None:
        """Rename this module's old keys (at ``prefix``) in place; loaders
        that check key sets before loading call it on every module that
        has it."""
        rename_flow_keys(state_dict, prefix)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        self.upgrade_state_dict_keys(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def build_flow_source(cfg: Optional[dict], owner: str,
                      default: Optional[dict] = None,
                      **old_keys: Optional[dict]) -> BaseFlowSource:
    """Build ``owner``'s ``flow_source`` config, refusing anything but a
    flow source.

    Args:
        cfg: the ``flow_source`` config.
        owner: the class name used in errors.
        default: the config used when none is given.
        old_keys: values of the role's old names (e.g. ``flow_net=``),
            translated by :func:`flow_source_config`.
    """
    cfg = flow_source_config(owner, cfg, **old_keys)
    cfg = cfg if cfg is not None else default
    if cfg is None:
        raise TypeError(f'{owner} needs a flow_source config, e.g. '
                        "dict(type='FlowNetS')")
    source = MODELS.build(cfg)
    if not isinstance(source, BaseFlowSource):
        raise TypeError(f'{owner}.flow_source must be a flow source '
                        '(SampleFlow, ClassicalFlow, FlowNetS, FlowNetC, '
                        f'FrozenFlow, ...), got {type(source).__name__}')
    return source
