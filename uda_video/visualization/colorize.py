"""Colour maps of label images (pure numpy; no model, no visualizer)."""
from typing import Sequence

import numpy as np


def colorize_labels(label: np.ndarray, palette: Sequence[Sequence[int]]
                    ) -> np.ndarray:
    """Paint class ids with a palette.

    Args:
        label: ``H x W`` integer class ids. Ids outside ``[0, len(palette))``
            (e.g. the ignore index 255) are painted black.
        palette: ``num_classes`` RGB triples in ``[0, 255]``.

    Returns:
        ``H x W x 3`` uint8 RGB image.
    """
    label = np.asarray(label)
    if label.ndim != 2:
        raise ValueError(f'label must be H x W, got shape {label.shape}')
    if not np.issubdtype(label.dtype, np.integer):
        raise TypeError(f'label must hold integer class ids, got {label.dtype}')
    colours = np.asarray(palette, dtype=np.int64)
    if colours.ndim != 2 or colours.shape[1] != 3 or len(colours) == 0:
        raise ValueError('palette must be a non-empty list of RGB triples, '
                         f'got shape {colours.shape}')
    if colours.min() < 0 or colours.max() > 255:
        raise ValueError('palette values must lie in [0, 255]')
    lut = colours.astype(np.uint8)
    out = np.zeros(label.shape + (3, ), np.uint8)
    valid = (label >= 0) & (label < len(lut))
    out[valid] = lut[label[valid]]
    return out


def prediction_panel(image: np.ndarray, pred: np.ndarray,
                     palette: Sequence[Sequence[int]],
                     gt: np.ndarray = None) -> np.ndarray:
    """Side-by-side RGB panel ``[image | ground truth | prediction]``.

    Args:
        image: ``H x W x 3`` uint8 RGB frame.
        pred: ``H x W`` predicted class ids.
        palette: RGB triple per class.
        gt: optional ``H x W`` ground-truth ids (255 = ignore, painted black);
            left out of the panel when None.

    Returns:
        ``H x (k*W) x 3`` uint8, k = 3 with ``gt`` else 2.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be H x W x 3, got shape {image.shape}')
    tiles = [image.astype(np.uint8)]
    if gt is not None:
        tiles.append(colorize_labels(gt, palette))
    tiles.append(colorize_labels(pred, palette))
    for tile in tiles[1:]:
        if tile.shape[:2] != image.shape[:2]:
            raise ValueError(f'label shape {tile.shape[:2]} differs from the '
                             f'image shape {image.shape[:2]}')
    return np.concatenate(tiles, axis=1)
