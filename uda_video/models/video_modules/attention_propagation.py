"""TDNet's attention propagation module (APM).

Recomposes the full feature of the current frame from the sub-features of the
last N frames, each computed by a different path (sub-network). The query
comes from the current frame; keys and values from each earlier frame; the
attention runs at a resolution reduced by ``downsample``.
"""
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from uda_video.registry import MODELS


def attention_propagate(query: torch.Tensor, key: torch.Tensor,
                        value: torch.Tensor) -> torch.Tensor:
    """Dot-product attention from every query position to every key position.

    Args:
        query: N x Ck x h x w (current frame).
        key: N x Ck x h x w, value: N x Cv x h x w (an earlier frame).

    Returns:
        N x Cv x h x w, ``out(p) = sum_q softmax_q(<Q(p), K(q)> / sqrt(Ck)) V(q)``.
    """
    n, ck, h, w = query.shape
    q = query.flatten(2).transpose(1, 2)  # N x hw x Ck
    k = key.flatten(2)  # N x Ck x hw
    attn = torch.softmax(q @ k / ck**0.5, dim=-1)  # N x hw x hw
    out = value.flatten(2) @ attn.transpose(1, 2)  # N x Cv x hw
    return out.view(n, value.shape[1], h, w)


@MODELS.register_module()
class AttentionPropagation(nn.Module):
    """Full feature N x (P * C_s) x H x W from P sub-features of P paths.

    Channel slot ``k`` of the output holds path k's sub-feature: the current
    frame's own sub-feature as is, the earlier frames' propagated onto the
    current frame by attention. Every path has its own query, key and value
    projections (its sub-features live in their own space).

    Args:
        num_paths: P, the number of sub-networks.
        in_channels: C_s, channels of one sub-feature.
        key_channels: channels of queries and keys.
        downsample: average-pooling factor before the attention.
    """

    def __init__(self,
                 num_paths: int,
                 in_channels: int,
                 key_channels: int = 32,
                 downsample: int = 2) -> None:
        super().__init__()
        if num_paths < 2:
            raise ValueError(f'num_paths must be >= 2, got {num_paths}')
        self.num_paths = num_paths
        self.in_channels = in_channels
        self.downsample = downsample
        self.query_convs = nn.ModuleList(
            nn.Conv2d(in_channels, key_channels, 1) for _ in range(num_paths))
        self.key_convs = nn.ModuleList(
            nn.Conv2d(in_channels, key_channels, 1) for _ in range(num_paths))
        self.value_convs = nn.ModuleList(
            nn.Conv2d(in_channels, in_channels, 1) for _ in range(num_paths))

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample > 1:
            return F.avg_pool2d(x, self.downsample, ceil_mode=True)
        return x

    def forward(self, current: torch.Tensor, current_path: int,
                earlier: Dict[int, torch.Tensor]) -> torch.Tensor:
        """Recompose the current frame's full feature.

        Args:
            current: N x C_s x H x W, sub-feature of the current frame.
            current_path: the path that computed it.
            earlier: path -> N x C_s x H x W sub-feature of an earlier frame,
                one for every other path.

        Returns:
            N x (P * C_s) x H x W, slot k = path k.
        """
        expected = set(range(self.num_paths)) - {current_path}
        if set(earlier) != expected:
            raise ValueError(f'APM needs the earlier sub-features of paths '
                             f'{sorted(expected)}, got {sorted(earlier)}')
        size = current.shape[2:]
        query = self.query_convs[current_path](self._pool(current))
        slots = []
        for path in range(self.num_paths):
            if path == current_path:
                slots.append(current)
                continue
            feat = self._pool(earlier[path])
            out = attention_propagate(query, self.key_convs[path](feat),
                                      self.value_convs[path](feat))
            if out.shape[2:] != size:
                out = F.interpolate(out, size=size, mode='bilinear',
                                    align_corners=False)
            slots.append(out)
        return torch.cat(slots, dim=1)
