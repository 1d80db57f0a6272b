"""Output-space domain discriminators over temporal stacks of predictions.

Input: softmax predictions of a clip, N x T x K x H x W (frames t-k..t of the
sequence, any fixed order). Output: N x 1 x h x w patch logits (source = 1).
A single frame (T == 1) gives the image-level discriminator (AdaptSegNet-style
on softmax, AdvEnt on self-information maps).
"""
import torch
import torch.nn as nn

from uda_video.registry import MODELS


@MODELS.register_module()
class SequenceDiscriminator(nn.Module):
    """Fully convolutional 2D discriminator on frames stacked along channels.

    Args:
        num_classes: K, channels of each frame's prediction.
        num_frames: T, frames in a stack (1 = image discriminator).
        base_channels: width of the first conv (doubled per layer).
        num_convs: strided 4x4 convs before the classifier.
    """

    def __init__(self, num_classes: int, num_frames: int = 1,
                 base_channels: int = 64, num_convs: int = 4) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.num_frames = num_frames
        layers = []
        in_ch = num_classes * num_frames
        for i in range(num_convs):
            out_ch = base_channels * 2**min(i, 3)
            layers += [nn.Conv2d(in_ch, out_ch, 4, stride=2, padding=1),
                       nn.LeakyReLU(0.2, inplace=True)]
            in_ch = out_ch
        layers.append(nn.Conv2d(in_ch, 1, 4, stride=2, padding=1))
        self.layers = nn.Sequential(*layers)

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        """N x T x K x H x W (or N x K x H x W for T == 1) -> N x 1 x h x w."""
        if probs.dim() == 4:
            probs = probs.unsqueeze(1)
        n, t, k = probs.shape[:3]
        if (t, k) != (self.num_frames, self.num_classes):
            raise ValueError(
                f'{type(self).__name__} expects {self.num_frames} frames of '
                f'{self.num_classes} classes, got {t} x {k}')
        return self.layers(probs.flatten(1, 2))


@MODELS.register_module()
class Sequence3DDiscriminator(nn.Module):
    """3D-convolution discriminator: time is a convolution axis.

    Spatial convs are strided 4x4 as in the 2D variant; the temporal kernel is
    ``min(3, T)`` with padding so T is kept until a final mean over time.
    """

    def __init__(self, num_classes: int, num_frames: int = 2,
                 base_channels: int = 64, num_convs: int = 4) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.num_frames = num_frames
        kt = min(3, num_frames)
        layers = []
        in_ch = num_classes
        for i in range(num_convs):
            out_ch = base_channels * 2**min(i, 3)
            layers += [nn.Conv3d(in_ch, out_ch, (kt, 4, 4), stride=(1, 2, 2),
                                 padding=(kt // 2, 1, 1)),
                       nn.LeakyReLU(0.2, inplace=True)]
            in_ch = out_ch
        self.layers = nn.Sequential(*layers)
        self.classifier = nn.Conv2d(in_ch, 1, 4, stride=2, padding=1)

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        """N x T x K x H x W -> N x 1 x h x w."""
        if probs.dim() == 4:
            probs = probs.unsqueeze(1)
        t, k = probs.shape[1:3]
        if (t, k) != (self.num_frames, self.num_classes):
            raise ValueError(
                f'{type(self).__name__} expects {self.num_frames} frames of '
                f'{self.num_classes} classes, got {t} x {k}')
        feats = self.layers(probs.transpose(1, 2))  # N x C x T' x h x w
        return self.classifier(feats.mean(2))
