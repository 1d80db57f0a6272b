"""Split an mmseg backbone into sequential stages that can run on their own.

For the ResNet family (ResNet, ResNetV1c, ResNetV1d, ResNeXt) the stages are
stem + max-pool + layer1, layer2, layer3, layer4: composing them in order is
exactly ``backbone.forward``'s chain, and the backbone returns the outputs of
the stages in ``backbone.out_indices``.
"""
from typing import Callable, List, Sequence, Tuple

import torch
import torch.nn as nn

StageFn = Callable[[torch.Tensor], torch.Tensor]


def resnet_stages(backbone: nn.Module) -> List[StageFn]:
    """Stage functions of an mmseg ResNet-family backbone, input first."""
    names = getattr(backbone, 'res_layers', None)
    if not names or not hasattr(backbone, 'out_indices'):
        raise TypeError(
            f'cannot split {type(backbone).__name__} into clocked stages: '
            'supported backbones are mmseg ResNet variants (attributes '
            'res_layers and out_indices)')

    def stem(x: torch.Tensor) -> torch.Tensor:
        if backbone.deep_stem:
            x = backbone.stem(x)
        else:
            x = backbone.relu(backbone.norm1(backbone.conv1(x)))
        return backbone.maxpool(x)

    def first(x: torch.Tensor) -> torch.Tensor:
        return getattr(backbone, names[0])(stem(x))

    def later(name: str) -> StageFn:
        return lambda x: getattr(backbone, name)(x)

    return [first] + [later(n) for n in names[1:]]


def stage_outputs(stage_feats: Sequence[torch.Tensor],
                  out_indices: Sequence[int]) -> Tuple[torch.Tensor, ...]:
    """The backbone's outputs from every stage's latest features."""
    return tuple(stage_feats[i] for i in out_indices)
