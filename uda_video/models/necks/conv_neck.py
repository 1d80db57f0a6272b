"""Dilated convs on each backbone output: the last layers of a feature network."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import (build_activation_layer, build_conv_layer,
                      build_norm_layer)
from mmengine.model import BaseModule

from uda_video.registry import MODELS


@MODELS.register_module()
class ConvNeck(BaseModule):
    """Per feature level: parallel dilated convs, summed, then norm and act.

    With one dilation this is a conv layer; with DeepLab-v2's dilations
    (6, 12, 18, 24) and no activation it is the ASPP of DeepLab-v2 with
    ``out_channels`` outputs instead of class scores. Deep Feature Flow runs
    it as the end of its feature network (key frames only), so that the task
    network on propagated frames is a 1x1 classifier: run per frame, ASPP to
    D >= num_classes channels + a 1x1 classifier computes a DeepLab-v2 head
    of rank D (``configs/_base_/models/deeplabv2-split_*``).

    Args:
        in_channels (int | Sequence[int]): Channels of each input level.
        out_channels (int): Channels of every output level.
        kernel_size (int): Odd kernel size of every branch (padding keeps
            the grid).
        dilations (Sequence[int]): One branch per dilation.
        conv_cfg (dict, optional): Conv layer config (mmcv).
        norm_cfg (dict, optional): Norm after the sum; None = none (the
            branches then have a bias).
        act_cfg (dict, optional): Activation after the norm; None = linear.
        init_cfg (dict, optional): Initialization config.

    Input: tuple of N x C_i x H_i x W_i levels. Output: tuple of
    N x out_channels x H_i x W_i levels, in the same order.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 out_channels: int,
                 kernel_size: int = 3,
                 dilations: Sequence[int] = (1, ),
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if isinstance(in_channels, int):
            in_channels = (in_channels, )
        self.in_channels = tuple(int(c) for c in in_channels)
        if not self.in_channels or min(self.in_channels) < 1:
            raise ValueError('ConvNeck.in_channels must list positive channel '
                             f'counts, got {in_channels}')
        if out_channels < 1:
            raise ValueError(
                f'ConvNeck.out_channels must be >= 1, got {out_channels}')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(
                f'ConvNeck.kernel_size must be odd, got {kernel_size}')
        self.dilations = tuple(int(d) for d in dilations)
        if not self.dilations or min(self.dilations) < 1:
            raise ValueError('ConvNeck.dilations must list dilations >= 1, '
                             f'got {dilations}')
        self.branches = nn.ModuleList(
            nn.ModuleList(
                build_conv_layer(
                    conv_cfg,
                    c,
                    out_channels,
                    kernel_size,
                    padding=(kernel_size // 2) * d,
                    dilation=d,
                    bias=norm_cfg is None) for d in self.dilations)
            for c in self.in_channels)
        self.norms = nn.ModuleList(
            build_norm_layer(norm_cfg, out_channels)[1]
            if norm_cfg is not None else nn.Identity()
            for _ in self.in_channels)
        self.act = (build_activation_layer(act_cfg)
                    if act_cfg is not None else nn.Identity())

    def forward(self, inputs: Sequence[torch.Tensor]
                ) -> Tuple[torch.Tensor, ...]:
        if len(inputs) != len(self.branches):
            raise ValueError(f'ConvNeck built for {len(self.branches)} levels '
                             f'(in_channels={self.in_channels}) got '
                             f'{len(inputs)}')
        outs = []
        for x, branches, norm in zip(inputs, self.branches, self.norms):
            out = sum(conv(x) for conv in branches)
            outs.append(self.act(norm(out)))
        return tuple(outs)
