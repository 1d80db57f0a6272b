"""Pure functions of the temporal UDA methods (DA-VSN's TCR, TPS).

Conventions (docs/conventions.md): frames of a clip key frame first;
``flows[:, i]`` is the backward flow from the key frame to reference frame
``i + 1`` (pixels), so ``flow_warp(x_ref, flow)`` brings a reference frame's
map onto the key frame. Labels use 255 = ignore.
"""
from typing import Optional

import torch
from mmseg.utils import SampleList

from ..flow import BaseFlowSource, SampleFlow
from .pseudo_labels import IGNORE_INDEX, warp_clip_probs


def require_flow(samples: SampleList, domain: str, owner: str,
                 flow_source: BaseFlowSource) -> None:
    """KeyError naming the config keys when ``flow_source`` reads the
    samples' flow (``SampleFlow``) and a sample of ``domain`` has none."""
    if not isinstance(flow_source, SampleFlow):
        return
    for i, s in enumerate(samples):
        if s.get(flow_source.key, None) is None:
            raise KeyError(
                f'{owner} needs flow between the frames of each {domain} clip, '
                f'but {domain} sample {i} ({s.metainfo.get("img_path")}) has '
                f'no gt_flow: set train_dataloader.dataset.{domain}.load_flow='
                'True (precomputed flow files) or model.flow_source')


def temporal_pair(probs: torch.Tensor,
                  flows: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The input of DA-VSN's cross-domain TCR discriminator.

    Args:
        probs: N x 2 x K x H x W predictions (softmax or self-information) of
            the current frame t and the previous frame t-1.
        flows: N x 1 x 2 x h x w backward flow t -> t-1 (resized to H x W),
            or None to stack the previous frame unwarped.

    Returns:
        N x 2 x K x H x W: the current frame's prediction and the previous
        frame's prediction warped onto the current frame (0 where ``p +
        flow(p)`` leaves the frame), differentiable in both.
    """
    if probs.dim() != 5 or probs.size(1) != 2:
        raise ValueError(f'probs must be N x 2 x K x H x W (frames t, t-1), '
                         f'got {tuple(probs.shape)}')
    if flows is None:
        return probs
    warped, valid = warp_clip_probs(probs, flows)
    return warped * valid.unsqueeze(2).to(warped.dtype)


def cross_frame_pseudo_labels(prev_probs: torch.Tensor, flow: torch.Tensor,
                              ignore_index: int = IGNORE_INDEX
                              ) -> torch.Tensor:
    """TPS's cross-frame pseudo labels of frame t from frame t-1.

    Args:
        prev_probs: N x K x H x W softmax of frame t-1.
        flow: N x 2 x h x w backward flow t -> t-1 (resized to H x W).

    Returns:
        N x H x W int64: the argmax of the prediction of t-1 warped to t;
        ``ignore_index`` where ``p + flow(p)`` leaves the frame.
    """
    # a two-frame "clip" whose reference frame is t-1 (slot 0 is unused)
    warped, valid = warp_clip_probs(prev_probs.unsqueeze(1).expand(
        -1, 2, -1, -1, -1), flow.unsqueeze(1))
    labels = warped[:, 1].argmax(1)
    return torch.where(valid[:, 1], labels,
                       torch.full_like(labels, ignore_index))
