"""DeepLab-v2 classifier: atrous spatial pyramid of parallel dilated 3x3 convs."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from uda_video.registry import MODELS


@MODELS.register_module()
class DeepLabV2Head(BaseDecodeHead):
    """DeepLab-v2 ASPP classifier (the standard head of Sim2Real segmentation).

    Four 3x3 convolutions with dilations (6, 12, 18, 24) map the backbone's last
    feature map straight to class scores and are summed; no BN, no ReLU, no
    dropout, no extra 1x1 classifier.

    Args:
        in_channels (int): Channels of the selected backbone output.
        num_classes (int): Number of classes.
        dilations (Sequence[int]): Dilation (and padding) of each branch.
        in_index (int): Which backbone output to classify.
        ignore_index (int): Label ignored by the loss.
        align_corners (bool): ``align_corners`` of resizing to the label size.
        loss_decode (dict): Loss config.
        init_cfg (dict): Initialization; the branches are N(0, 0.01) by default.

    Input: tuple of N x C_i x h x w features. Output: N x num_classes x h x w.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 dilations: Sequence[int] = (6, 12, 18, 24),
                 in_index: int = -1,
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 loss_decode: dict = dict(
                     type='CrossEntropyLoss', use_sigmoid=False,
                     loss_weight=1.0),
                 init_cfg: dict = dict(
                     type='Normal', std=0.01, override=dict(name='aspp'))):
        super().__init__(
            in_channels=in_channels,
            channels=in_channels,
            num_classes=num_classes,
            dropout_ratio=0.0,
            in_index=in_index,
            ignore_index=ignore_index,
            align_corners=align_corners,
            loss_decode=loss_decode,
            init_cfg=init_cfg)
        if len(dilations) == 0:
            raise ValueError('DeepLabV2Head needs at least one dilation')
        self.dilations = tuple(dilations)
        # The branches classify directly: the base class's 1x1 conv_seg is unused.
        del self.conv_seg
        self.aspp = nn.ModuleList(
            nn.Conv2d(
                in_channels,
                self.out_channels,
                kernel_size=3,
                padding=d,
                dilation=d,
                bias=True) for d in self.dilations)

    def forward(self, inputs: Tuple[torch.Tensor]) -> torch.Tensor:
        x = self._transform_inputs(inputs)
        out = self.aspp[0](x)
        for branch in self.aspp[1:]:
            out = out + branch(x)
        return out
