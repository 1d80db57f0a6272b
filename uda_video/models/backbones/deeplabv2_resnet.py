"""The caffe-style ResNet of the field's DeepLab-v2 (7x7 stem, ceil-mode max-pool)."""
from typing import Optional, Sequence

from mmseg.models.backbones import ResNet

from uda_video.registry import MODELS


@MODELS.register_module()
class DeepLabV2ResNet(ResNet):
    """mmseg's ResNet as the Sim2Real field's DeepLab-v2 builds it.

    Differences from torchvision's ResNet, all expressed through mmseg's
    arguments except the last: caffe style (the stride of a stage's first
    block is on its first 1x1 conv), stages 3 and 4 dilated 2 and 4 in every
    block (``contract_dilation=False``, output stride 8), frozen BN; and the
    stem's 3x3/2 max-pool rounds its output size up (``ceil_mode=True``), so
    an H x W input gives ``ceil((ceil(H/2) - 1) / 2) + 1`` rows after the
    stem (9 for H=32, where mmseg's ResNet gives 8).

    The module names (``conv1``, ``bn1``, ``layer{1-4}.{i}.conv{1-3}/bn{1-3}``,
    ``downsample.{0,1}``) are those of the field's checkpoints.

    Args:
        depth (int): 50, 101 or 152.
        in_channels (int): Input channels.
        stem_channels (int): Channels of the 7x7 stem conv.
        base_channels (int): Channels of the first stage's bottleneck.
        strides (Sequence[int]): Stride of each stage's first block.
        dilations (Sequence[int]): Dilation of every block of each stage.
        out_indices (Sequence[int]): Stages whose outputs are returned.
        style (str): 'caffe' (stride on the 1x1 conv) or 'pytorch'.
        contract_dilation (bool): Halve the first block's dilation.
        norm_cfg (dict): Norm layers; BN frozen by default.
        norm_eval (bool): Keep BN in eval mode while training.
        frozen_stages (int): Stages with frozen parameters (-1: none).
        init_cfg (dict, optional): Initialization (e.g. ``Pretrained``).

    Input: N x 3 x H x W. Output: tuple of N x C_i x h_i x w_i.
    """

    def __init__(self,
                 depth: int = 101,
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 base_channels: int = 64,
                 strides: Sequence[int] = (1, 2, 1, 1),
                 dilations: Sequence[int] = (1, 1, 2, 4),
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 style: str = 'caffe',
                 contract_dilation: bool = False,
                 norm_cfg: dict = dict(type='BN', requires_grad=False),
                 norm_eval: bool = True,
                 frozen_stages: int = -1,
                 init_cfg: Optional[dict] = None):
        if depth not in (50, 101, 152):
            raise ValueError(
                f'DeepLabV2ResNet needs a bottleneck depth (50, 101, 152), '
                f'got {depth}')
        super().__init__(
            depth=depth,
            in_channels=in_channels,
            stem_channels=stem_channels,
            base_channels=base_channels,
            num_stages=4,
            strides=strides,
            dilations=dilations,
            out_indices=out_indices,
            style=style,
            deep_stem=False,
            avg_down=False,
            frozen_stages=frozen_stages,
            norm_cfg=norm_cfg,
            norm_eval=norm_eval,
            contract_dilation=contract_dilation,
            init_cfg=init_cfg)
        self.maxpool.ceil_mode = True
