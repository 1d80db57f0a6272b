"""Shared parts of the FlowNet-style estimators: conv block, refinement decoder.

Every estimator maps two images (N x 3 x H x W each) to a list of flows,
finest first, each N x 2 x h_l x w_l in pixels of its own resolution, from
image 1 to image 2 under the project's backward convention:
``flow_warp(img2, flow)`` approximates ``img1``.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from uda_video.ops import resize_flow
from .flow_source import BaseFlowSource


def conv_block(in_channels: int,
               out_channels: int,
               kernel_size: int = 3,
               stride: int = 1,
               norm_cfg: Optional[dict] = None) -> ConvModule:
    """Conv + optional norm + LeakyReLU(0.1), 'same' padding."""
    return ConvModule(
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=kernel_size // 2,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='LeakyReLU', negative_slope=0.1))


def deep_stages(base_channels: int,
                norm_cfg: Optional[dict] = None) -> Tuple[nn.Module, ...]:
    """conv4, conv5, conv6 of both FlowNets: strides 16, 32, 64 of the input,
    8b, 8b and 16b channels (b = ``base_channels``)."""
    b = base_channels

    def stage(cin: int, cout: int) -> nn.Sequential:
        return nn.Sequential(
            conv_block(cin, cout, 3, 2, norm_cfg),
            conv_block(cout, cout, 3, 1, norm_cfg))

    return stage(4 * b, 8 * b), stage(8 * b, 8 * b), stage(8 * b, 16 * b)


def refinement_decoder(base_channels: int) -> 'FlowRefinementDecoder':
    """The decoder over (c2, c3, c4, c5, c6) of both FlowNets."""
    b = base_channels
    return FlowRefinementDecoder(
        in_channels=(2 * b, 4 * b, 8 * b, 8 * b, 16 * b),
        deconv_channels=(b, 2 * b, 4 * b, 8 * b))


def _crop_to(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    return x[..., :ref.shape[2], :ref.shape[3]]


class FlowRefinementDecoder(BaseModule):
    """Coarse-to-fine flow prediction over encoder features.

    Args:
        in_channels: channels of the encoder features, finest first.
        deconv_channels: channels of the learned upsampling from each coarser
            level into each finer one (len(in_channels) - 1 values, finest
            first).

    The coarsest level predicts a flow; every finer level concatenates its
    encoder feature, the upsampled decoder feature and the upsampled flow, and
    predicts a residual added to the upsampled flow.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 deconv_channels: Sequence[int],
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if len(deconv_channels) != len(in_channels) - 1:
            raise ValueError(
                f'deconv_channels {tuple(deconv_channels)} needs '
                f'{len(in_channels) - 1} values for in_channels '
                f'{tuple(in_channels)}')
        self.num_levels = len(in_channels)
        self.predict = nn.ModuleList()
        self.deconv = nn.ModuleList()
        coarse_ch = in_channels[-1]
        self.predict.append(nn.Conv2d(coarse_ch, 2, 3, padding=1))
        for level in range(self.num_levels - 2, -1, -1):
            out_ch = deconv_channels[level]
            self.deconv.append(nn.Sequential(
                nn.ConvTranspose2d(coarse_ch, out_ch, 4, stride=2, padding=1),
                nn.LeakyReLU(0.1)))
            coarse_ch = in_channels[level] + out_ch + 2
            self.predict.append(nn.Conv2d(coarse_ch, 2, 3, padding=1))

    def forward(self, feats: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """``feats`` finest first -> flows finest first (pixels per level)."""
        if len(feats) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} feature levels, '
                             f'got {len(feats)}')
        x = feats[-1]
        flow = self.predict[0](x)
        flows = [flow]
        for i, level in enumerate(range(self.num_levels - 2, -1, -1)):
            skip = feats[level]
            up_x = _crop_to(self.deconv[i](x), skip)
            up_flow = resize_flow(flow, skip.shape[2:])
            x = torch.cat([skip, up_x, up_flow], dim=1)
            flow = up_flow + self.predict[i + 1](x)
            flows.append(flow)
        return flows[::-1]


class BaseFlowNet(BaseFlowSource):
    """Encoder (subclass) + :class:`FlowRefinementDecoder`, a flow source.

    Subclasses implement ``encode(img1, img2)`` returning the decoder's
    features, finest first. As a flow source its :meth:`estimate` is the
    finest level (stride 4 of the input), trained with its owner.
    """

    decoder: FlowRefinementDecoder

    def encode(self, img1: torch.Tensor,
               img2: torch.Tensor) -> List[torch.Tensor]:
        raise NotImplementedError

    def forward(self, img1: torch.Tensor,
                img2: torch.Tensor) -> List[torch.Tensor]:
        """Multi-scale flows from img1 to img2, finest first."""
        if img1.shape != img2.shape or img1.dim() != 4:
            raise ValueError('img1 and img2 must be N x C x H x W of one '
                             f'shape, got {tuple(img1.shape)} and '
                             f'{tuple(img2.shape)}')
        return self.decoder(self.encode(img1, img2))

    def estimate(self, target: torch.Tensor, source: torch.Tensor,
                 data_samples: Optional[Sequence] = None) -> torch.Tensor:
        """Finest flow target -> source, N x 2 x H/4 x W/4 (its pixels)."""
        return self(target, source)[0]

    def predict_flow(self, img1: torch.Tensor,
                     img2: torch.Tensor) -> torch.Tensor:
        """Full-resolution flow N x 2 x H x W (pixels) from img1 to img2."""
        return self.flow(img1, img2)
