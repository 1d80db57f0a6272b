"""Pure functions of cross-domain mixing (DACS) and strong augmentation.

Shapes: labels N x H x W (255 = ignore); masks N x H x W bool (True = the
source pixel is pasted); images N x C x H x W or clips N x T x C x H x W
(key frame first). One mask serves every frame of a clip, so a mixed clip
is a clip of mixed frames with the same pasted region.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

IGNORE_INDEX = 255


def check_threshold(threshold: float, name: str = 'pseudo_threshold') -> float:
    """``threshold`` if it lies in (0, 1); ValueError naming it otherwise."""
    if not 0.0 < float(threshold) < 1.0:
        raise ValueError(f'{name} must be in (0, 1), got {threshold}')
    return float(threshold)


def class_mix_masks(labels: torch.Tensor,
                    generator: Optional[torch.Generator] = None,
                    ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """ClassMix masks: per sample, half of the classes present in its label.

    For a label with n classes (``ignore_index`` excluded), ``(n + 1) // 2``
    of them are drawn without replacement; the mask is True on their pixels.

    Args:
        labels: N x H x W source labels.
        generator: optional torch generator (CPU) for the draw.

    Returns:
        N x H x W bool.
    """
    if labels.dim() != 3:
        raise ValueError(f'labels must be N x H x W, got {tuple(labels.shape)}')
    masks = torch.zeros_like(labels, dtype=torch.bool)
    for i, label in enumerate(labels):
        classes = torch.unique(label)
        classes = classes[classes != ignore_index]
        n = classes.numel()
        if n == 0:
            continue
        order = torch.randperm(n, generator=generator).to(classes.device)
        chosen = classes[order[:(n + 1) // 2]]
        masks[i] = torch.isin(label, chosen)
    return masks


def check_same_size(source: torch.Tensor, target: torch.Tensor,
                    what: str = 'frames') -> None:
    """ValueError naming both shapes when ``source`` and ``target`` differ."""
    if source.shape != target.shape:
        raise ValueError(
            f'cannot mix source {what} of shape {tuple(source.shape)} with '
            f'target {what} of shape {tuple(target.shape)}: mixing needs the '
            'same crop size (and frame count) in both domains; give both '
            'training pipelines the same crop_size')


def mixed_frames(clips: torch.Tensor, frames: Union[int, Sequence[int]],
                 domain: str = 'target') -> torch.Tensor:
    """The frames of N x T x C x H x W clips that are mixed, in clip order.

    Args:
        clips: N x T x C x H x W.
        frames: the first ``frames`` frames (an int), or clip indices
            (negative counts from the clip's end: ``[0, -1]`` is the key frame
            and the last frame, DFF's key frame).
        domain: named in the error of an index the clips do not have.

    Returns:
        N x M x C x H x W (M = ``frames`` or ``len(frames)``).
    """
    t = clips.size(1)
    if isinstance(frames, int):
        if not 1 <= frames <= t:
            raise ValueError(f'mix_frames={frames} but the {domain} clips '
                             f'have {t} frames (frame_offsets)')
        return clips[:, :frames]
    index = [int(i) for i in frames]
    if not index or any(not -t <= i < t for i in index):
        raise ValueError(f'mix_frames={list(frames)} indexes clips of {t} '
                         f'frames: the {domain} frame_offsets have too few')
    return clips[:, [i % t for i in index]]


def mix(source: torch.Tensor, target: torch.Tensor,
        mask: torch.Tensor) -> torch.Tensor:
    """``source`` where ``mask`` else ``target``, the mask broadcast.

    Args:
        source, target: N x ... x H x W of the same shape (labels N x H x W,
            images N x C x H x W, clips N x T x C x H x W, weights N x H x W).
        mask: N x H x W bool; the same mask for every frame and channel.
    """
    check_same_size(source, target, 'tensors')
    n, h, w = mask.shape
    if (source.size(0), *source.shape[-2:]) != (n, h, w):
        raise ValueError(f'mask {tuple(mask.shape)} does not match tensors '
                         f'{tuple(source.shape)}')
    view = (n, ) + (1, ) * (source.dim() - 3) + (h, w)
    return torch.where(mask.view(view), source, target)


def confidence_weight(conf: torch.Tensor, threshold: float,
                      mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """DACS's pseudo-label weight: the fraction of target pixels whose
    confidence (max probability) exceeds ``threshold``.

    Args:
        conf: N x H x W max probabilities.
        threshold: in (0, 1).
        mask: optional N x H x W bool; pixels outside it never count as
            confident (they still count in the denominator).

    Returns:
        A scalar tensor in [0, 1] (one weight for the batch).
    """
    threshold = check_threshold(threshold)
    confident = conf > threshold
    if mask is not None:
        confident &= mask
    return confident.float().mean()


def mixed_pixel_weight(mask: torch.Tensor,
                       target_weight: torch.Tensor) -> torch.Tensor:
    """N x H x W loss weights of a mixed frame: 1 on pasted source pixels
    (their labels are ground truth), ``target_weight`` elsewhere."""
    tgt = torch.as_tensor(target_weight, dtype=torch.float32,
                          device=mask.device).expand(mask.shape)
    return torch.where(mask, torch.ones_like(tgt), tgt)


def weighted_cross_entropy(logits: torch.Tensor, labels: torch.Tensor,
                           weight: torch.Tensor,
                           ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """Mean over all pixels of ``weight * CE`` (ignored pixels add 0).

    Args:
        logits: N x K x H x W; labels: N x H x W; weight: N x H x W.
    """
    ce = F.cross_entropy(logits, labels, ignore_index=ignore_index,
                         reduction='none')
    return (ce * weight).mean()


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of N x C x H x W (reflect padding)."""
    # reflect padding needs a radius below the frame's sides
    radius = max(1, min(int(round(3 * sigma)), min(x.shape[-2:]) - 1))
    t = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma)**2)
    k = k / k.sum()
    c = x.size(1)
    x = F.pad(x, (radius, radius, radius, radius), mode='reflect')
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def strong_augment(clips: torch.Tensor,
                   mean: Optional[torch.Tensor] = None,
                   std: Optional[torch.Tensor] = None,
                   jitter: float = 0.2,
                   jitter_prob: float = 0.8,
                   grayscale_prob: float = 0.0,
                   blur_prob: float = 0.5,
                   blur_sigma: Tuple[float, float] = (0.15, 1.15),
                   generator: Optional[torch.Generator] = None
                   ) -> torch.Tensor:
    """Photometric strong augmentation, one draw per clip for all its frames.

    With probability ``jitter_prob`` brightness, contrast and saturation are
    each scaled by a factor in ``[1 - jitter, 1 + jitter]`` (pixel values in
    [0, 255]); with ``grayscale_prob`` the frames become gray; with
    ``blur_prob`` a Gaussian blur of sigma in ``blur_sigma`` (pixels).

    Args:
        clips: N x T x C x H x W, normalised by ``mean``/``std`` (1 x C x 1 x
            1, the data preprocessor's) or raw pixels when they are None.

    Returns:
        The augmented clips, normalised as the input.
    """
    if clips.dim() != 5:
        raise ValueError(f'clips must be N x T x C x H x W, got '
                         f'{tuple(clips.shape)}')
    n, t, c, h, w = clips.shape

    def rand():
        return float(torch.rand((), generator=generator))

    x = clips.float()
    if mean is not None:
        x = x * std.view(1, 1, -1, 1, 1) + mean.view(1, 1, -1, 1, 1)
    out = []
    for clip in x:  # T x C x H x W
        if rand() < jitter_prob:
            factors = [1.0 + jitter * (2 * rand() - 1) for _ in range(3)]
            clip = (clip * factors[0]).clamp(0, 255)
            m = clip.mean(dim=(1, 2, 3), keepdim=True)
            clip = ((clip - m) * factors[1] + m).clamp(0, 255)
            gray = clip.mean(1, keepdim=True)
            clip = ((clip - gray) * factors[2] + gray).clamp(0, 255)
        if rand() < grayscale_prob:
            clip = clip.mean(1, keepdim=True).expand_as(clip)
        if rand() < blur_prob:
            lo, hi = blur_sigma
            clip = _gaussian_blur(clip, lo + (hi - lo) * rand())
        out.append(clip)
    x = torch.stack(out)
    if mean is not None:
        x = (x - mean.view(1, 1, -1, 1, 1)) / std.view(1, 1, -1, 1, 1)
    return x.to(clips.dtype)


@dataclass(frozen=True)
class StrongAugment:
    """The parameters of :func:`strong_augment`, applied to clips normalised
    by a data preprocessor (its ``mean``/``std``; raw pixels without)."""
    jitter: float = 0.2
    jitter_prob: float = 0.8
    grayscale_prob: float = 0.0
    blur_prob: float = 0.5
    blur_sigma: Tuple[float, float] = (0.15, 1.15)

    def __call__(self, clips: torch.Tensor,
                 preprocessor: Optional[torch.nn.Module] = None
                 ) -> torch.Tensor:
        """Strongly augmented N x T x C x H x W ``clips``."""
        return strong_augment(
            clips, mean=getattr(preprocessor, 'mean', None),
            std=getattr(preprocessor, 'std', None), jitter=self.jitter,
            jitter_prob=self.jitter_prob, grayscale_prob=self.grayscale_prob,
            blur_prob=self.blur_prob, blur_sigma=tuple(self.blur_sigma))


def random_rescale(clips: torch.Tensor, ratio_range: Sequence[float],
                   divisor: int = 8,
                   generator: Optional[torch.Generator] = None
                   ) -> torch.Tensor:
    """Bilinear rescale of N x T x C x H x W clips by one ratio drawn in
    ``ratio_range`` (sides rounded to multiples of ``divisor``)."""
    lo, hi = ratio_range
    r = lo + (hi - lo) * float(torch.rand((), generator=generator))
    n, t, c, h, w = clips.shape
    size = (max(divisor, int(round(h * r / divisor)) * divisor),
            max(divisor, int(round(w * r / divisor)) * divisor))
    flat = F.interpolate(clips.flatten(0, 1), size=size, mode='bilinear',
                         align_corners=False)
    return flat.view(n, t, c, *size)
