"""DFF's scale field: a per-channel, per-pixel factor for propagated features.

Deep Feature Flow multiplies features warped from the key frame by a scale
field predicted from the frame pair, correcting what warping alone gets wrong
(appearance change, occlusion). It starts as all ones, so an untrained field
leaves warped features unchanged.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from uda_video.registry import MODELS


@MODELS.register_module()
class ScaleFieldHead(BaseModule):
    """Scale fields for each propagated feature level of DFF.

    A small conv trunk reads the current frame, the key frame and the flow
    (current -> key) on the flow's grid; one 1x1 conv per level, initialized to
    zero, gives ``1 + conv(trunk)`` at that level's grid.

    Args:
        out_channels (int | Sequence[int]): Channels of each propagated feature
            level (the backbone/neck outputs, in order).
        channels (int): Width of the trunk.
        num_convs (int): 3x3 conv + ReLU layers of the trunk (>= 1).
        flow_scale (float): The flow is divided by this before entering the
            trunk (keeps inputs near unit range).
        init_cfg (dict, optional): Initialization of the trunk.

    Inputs: ``cur, key``: N x 3 x h x w frames; ``flow``: N x 2 x h x w;
    ``sizes``: the (H_l, W_l) grid of each level. Output: list of
    N x C_l x H_l x W_l scale fields.
    """

    def __init__(self,
                 out_channels: Union[int, Sequence[int]],
                 channels: int = 32,
                 num_convs: int = 2,
                 flow_scale: float = 20.0,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if isinstance(out_channels, int):
            out_channels = (out_channels, )
        self.out_channels: Tuple[int, ...] = tuple(
            int(c) for c in out_channels)
        if not self.out_channels or min(self.out_channels) < 1:
            raise ValueError('ScaleFieldHead.out_channels must list positive '
                             f'channel counts, got {out_channels}')
        if num_convs < 1:
            raise ValueError(f'ScaleFieldHead.num_convs must be >= 1, got '
                             f'{num_convs}')
        self.flow_scale = float(flow_scale)
        layers: List[nn.Module] = []
        in_ch = 3 + 3 + 2
        for _ in range(num_convs):
            layers += [nn.Conv2d(in_ch, channels, 3, padding=1),
                       nn.ReLU(inplace=True)]
            in_ch = channels
        self.trunk = nn.Sequential(*layers)
        self.level_convs = nn.ModuleList(
            nn.Conv2d(channels, c, 1) for c in self.out_channels)
        self._zero_level_convs()

    def _zero_level_convs(self) -> None:
        for conv in self.level_convs:
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def init_weights(self) -> None:
        super().init_weights()
        # The field must start at exactly one whatever init_cfg says.
        self._zero_level_convs()

    def forward(self, cur: torch.Tensor, key: torch.Tensor,
                flow: torch.Tensor,
                sizes: Sequence[Sequence[int]]) -> List[torch.Tensor]:
        if len(sizes) != len(self.out_channels):
            raise ValueError(
                f'ScaleFieldHead was built for {len(self.out_channels)} '
                f'feature levels (out_channels={self.out_channels}) but the '
                f'segmentor propagates {len(sizes)}')
        grid = flow.shape[-2:]
        cur = F.interpolate(cur, size=grid, mode='bilinear',
                            align_corners=False)
        key = F.interpolate(key, size=grid, mode='bilinear',
                            align_corners=False)
        trunk = self.trunk(torch.cat([cur, key, flow / self.flow_scale], 1))
        fields = []
        for conv, size in zip(self.level_convs, sizes):
            t = trunk
            if tuple(t.shape[-2:]) != tuple(size):
                t = F.interpolate(t, size=tuple(size), mode='bilinear',
                                  align_corners=False)
            fields.append(1.0 + conv(t))
        return fields
