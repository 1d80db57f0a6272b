"""One TDNet path: a shallow backbone and a PSP-style encoder to a sub-feature."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.utils import ConfigType

from uda_video.registry import MODELS


@MODELS.register_module()
class PSPSubNetwork(nn.Module):
    """Backbone + pyramid pooling + bottleneck: N x 3 x H x W -> N x C_s x h x w.

    The PSPNet head without its classifier; TDNet's sub-feature of one path.

    Args:
        backbone: backbone config (e.g. a reduced-width ResNetV1c-18).
        in_channels: channels of the backbone output at ``in_index``.
        in_index: which backbone output feeds the pyramid.
        channels: channels of each pyramid branch.
        out_channels: C_s, the sub-feature channels.
        pool_scales: pyramid pooling scales.
        norm_cfg: norm of the head convolutions.
    """

    def __init__(self,
                 backbone: ConfigType,
                 in_channels: int,
                 channels: int,
                 out_channels: int,
                 in_index: int = -1,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 norm_cfg: Optional[ConfigType] = dict(type='BN'),
                 align_corners: bool = False) -> None:
        super().__init__()
        self.backbone = MODELS.build(backbone)
        self.in_index = in_index
        self.out_channels = out_channels
        act_cfg = dict(type='ReLU')
        self.ppm = PPM(tuple(pool_scales), in_channels, channels,
                       conv_cfg=None, norm_cfg=norm_cfg, act_cfg=act_cfg,
                       align_corners=align_corners)
        self.bottleneck = ConvModule(
            in_channels + len(pool_scales) * channels, out_channels, 3,
            padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        x = self.backbone(img)[self.in_index]
        return self.bottleneck(torch.cat([x] + self.ppm(x), dim=1))
