"""FlowNetC-style estimator: a shared trunk per image and a cost volume."""
from typing import List, Optional

import torch
import torch.nn as nn

from uda_video.ops import correlation
from uda_video.registry import MODELS
from .base import BaseFlowNet, conv_block, deep_stages, refinement_decoder


@MODELS.register_module()
class FlowNetC(BaseFlowNet):
    """FlowNet 'correlation': siamese trunk to stride 8, then a cost volume.

    Args:
        base_channels: width b; trunk b, 2b, 4b; after the cost volume 4b,
            8b, 8b, 8b, 8b, 16b, 16b (b=64 is the published size).
        max_displacement: cost-volume radius in stride-8 pixels (20 in the
            paper).
        corr_stride: step between displacements (2 in the paper).
        redir_channels: channels of the image-1 feature concatenated to the
            cost volume (b // 2 when None).
        in_channels: channels of one image.
        norm_cfg: optional norm layer of the encoder convs.

    Output: 5 flows at strides 4, 8, 16, 32, 64 (finest first).
    """

    def __init__(self,
                 base_channels: int = 64,
                 max_displacement: int = 20,
                 corr_stride: int = 2,
                 redir_channels: Optional[int] = None,
                 in_channels: int = 3,
                 norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        b = base_channels
        self.max_displacement = max_displacement
        self.corr_stride = corr_stride
        redir = redir_channels if redir_channels is not None else max(b // 2, 1)
        d = 2 * (max_displacement // corr_stride) + 1
        self.conv1 = conv_block(in_channels, b, 7, 2, norm_cfg)
        self.conv2 = conv_block(b, 2 * b, 5, 2, norm_cfg)
        self.conv3 = conv_block(2 * b, 4 * b, 5, 2, norm_cfg)
        self.corr_act = nn.LeakyReLU(0.1)
        self.conv_redir = conv_block(4 * b, redir, 1, 1, norm_cfg)
        self.conv3_1 = conv_block(d * d + redir, 4 * b, 3, 1, norm_cfg)
        self.conv4, self.conv5, self.conv6 = deep_stages(b, norm_cfg)
        self.decoder = refinement_decoder(b)

    def encode(self, img1: torch.Tensor,
               img2: torch.Tensor) -> List[torch.Tensor]:
        # One trunk pass over both images (shared weights).
        pair = torch.cat([img1, img2], dim=0)
        c2 = self.conv2(self.conv1(pair))
        c3a, c3b = self.conv3(c2).chunk(2, dim=0)
        cost = self.corr_act(
            correlation(c3a, c3b, self.max_displacement, self.corr_stride))
        c3 = self.conv3_1(torch.cat([cost, self.conv_redir(c3a)], dim=1))
        c4 = self.conv4(c3)
        c5 = self.conv5(c4)
        c6 = self.conv6(c5)
        return [c2.chunk(2, dim=0)[0], c3, c4, c5, c6]
