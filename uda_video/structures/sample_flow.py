"""The one reader of the flow a data sample carries (docs/conventions.md).

A clip's sample holds ``gt_flow`` (and optionally ``gt_flow_back``): a
(T-1) x 2 x H x W float tensor in pixels (u = dx, v = dy); entry ``i`` is the
backward flow from the key frame to reference frame ``i + 1`` (the one that
warps that frame onto the key frame), ``gt_flow_back[i]`` the flow from
reference frame ``i + 1`` to the key frame. The field may be a tensor, a
``PixelData``, or (in metrics, after ``to_dict()``) a dict with ``'data'`` or
an array.
"""
from typing import Any, Optional, Sequence, Union

import numpy as np
import torch

Index = Union[int, slice]


def _get(sample: Any, key: str) -> Any:
    if isinstance(sample, dict):
        return sample.get(key)
    return getattr(sample, key, None) if key in sample else None


def _name(sample: Any) -> str:
    meta = sample if isinstance(sample, dict) else sample.metainfo
    if meta.get('img_path') is not None:
        return str(meta['img_path'])
    return (f'video {meta.get("video_id")!r} frame '
            f'{meta.get("frame_id")!r}')


def _as_tensor(value: Any) -> torch.Tensor:
    if isinstance(value, dict):
        value = value.get('data')
    elif not isinstance(value, (torch.Tensor, np.ndarray)):
        value = getattr(value, 'data', value)  # PixelData-like
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    return value


def sample_has_flow(data_samples: Sequence[Any], key: str = 'gt_flow') -> bool:
    """Whether every sample carries the flow field ``key``."""
    return all(_get(s, key) is not None for s in data_samples)


def sample_flow(data_samples: Sequence[Any],
                key: str = 'gt_flow',
                index: Index = 0,
                required: bool = True) -> Optional[torch.Tensor]:
    """Stack one entry (or a range) of every sample's flow field.

    Args:
        data_samples: B samples (``SegDataSample`` or dicts).
        key: the field, 'gt_flow' or 'gt_flow_back'.
        index: an entry of the field's first dimension (reference frame
            ``index + 1``), or a slice of entries.
        required: without the field on some sample, raise (True) or
            return None (False).

    Returns:
        float32 B x 2 x H x W for an int ``index``, B x R x 2 x H x W for a
        slice, on the device the samples' flow is on.

    Raises:
        KeyError: a sample lacks ``key`` (``required``), naming its image.
        ValueError: a field that is not (T-1) x 2 x H x W, or too few entries.
    """
    flows = []
    for i, sample in enumerate(data_samples):
        value = _get(sample, key)
        if value is None:
            if not required:
                return None
            raise KeyError(f'{key} missing: data sample {i} of '
                           f'{_name(sample)} has no {key} (load the flow in '
                           'the dataset, load_flow=True, or configure a '
                           'flow_source that estimates it)')
        flow = _as_tensor(value)
        if not torch.is_tensor(flow) or flow.dim() != 4 or flow.shape[1] != 2:
            raise ValueError(f'{key} of data sample {i} of {_name(sample)} '
                             'must be a (T-1) x 2 x H x W tensor, got '
                             f'{getattr(flow, "shape", type(flow))}')
        needed = index.stop if isinstance(index, slice) else index + 1
        if needed is not None and flow.shape[0] < needed:
            raise ValueError(f'{key} of data sample {i} of {_name(sample)} '
                             f'has {flow.shape[0]} flows; {needed} needed')
        flows.append(flow[index].float())
    return torch.stack(flows)
