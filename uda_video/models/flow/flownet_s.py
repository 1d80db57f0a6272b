"""FlowNetS-style estimator: both images stacked, one encoder."""
from typing import List, Optional

import torch
import torch.nn as nn

from uda_video.registry import MODELS
from .base import BaseFlowNet, conv_block, deep_stages, refinement_decoder


@MODELS.register_module()
class FlowNetS(BaseFlowNet):
    """FlowNet 'simple': the two frames concatenated on channels.

    Args:
        base_channels: width b; encoder channels are b, 2b, 4b, 4b, 8b, 8b,
            8b, 8b, 16b, 16b (b=64 is the published size).
        in_channels: channels of one image.
        norm_cfg: optional norm layer of the encoder convs.

    Output: 5 flows at strides 4, 8, 16, 32, 64 (finest first); any input
    size works (coarser maps are ceil-divided, upsampled maps cropped).
    """

    def __init__(self,
                 base_channels: int = 64,
                 in_channels: int = 3,
                 norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        b = base_channels
        self.conv1 = conv_block(2 * in_channels, b, 7, 2, norm_cfg)
        self.conv2 = conv_block(b, 2 * b, 5, 2, norm_cfg)
        self.conv3 = nn.Sequential(
            conv_block(2 * b, 4 * b, 5, 2, norm_cfg),
            conv_block(4 * b, 4 * b, 3, 1, norm_cfg))
        self.conv4, self.conv5, self.conv6 = deep_stages(b, norm_cfg)
        self.decoder = refinement_decoder(b)

    def encode(self, img1: torch.Tensor,
               img2: torch.Tensor) -> List[torch.Tensor]:
        c2 = self.conv2(self.conv1(torch.cat([img1, img2], dim=1)))
        c3 = self.conv3(c2)
        c4 = self.conv4(c3)
        c5 = self.conv5(c4)
        c6 = self.conv6(c5)
        return [c2, c3, c4, c5, c6]
