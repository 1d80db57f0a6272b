"""Photometric jitter of a clip: one draw per clip or one per frame."""
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from uda_video.registry import TRANSFORMS


def sample_photometric_params(brightness_delta: int,
                              contrast_range: Tuple[float, float],
                              saturation_range: Tuple[float, float],
                              hue_delta: int,
                              rng=np.random) -> dict:
    """Draw one set of jitter parameters (each effect applied with p = 0.5)."""
    return dict(
        brightness=float(rng.uniform(-brightness_delta, brightness_delta))
        if rng.randint(2) else 0.0,
        contrast=float(rng.uniform(*contrast_range)) if rng.randint(2) else 1.0,
        saturation=float(rng.uniform(*saturation_range)) if rng.randint(2) else 1.0,
        hue=int(rng.randint(-hue_delta, hue_delta + 1)) if rng.randint(2) else 0)


def apply_photometric(img: np.ndarray, params: dict) -> np.ndarray:
    """Apply ``params`` to an H x W x 3 uint8 BGR image; returns uint8."""
    out = img.astype(np.float32) * params['contrast'] + params['brightness']
    out = np.clip(out, 0, 255).astype(np.uint8)
    if params['saturation'] != 1.0 or params['hue'] != 0:
        hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV).astype(np.int32)
        hsv[..., 0] = (hsv[..., 0] + params['hue']) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] * params['saturation'], 0, 255)
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
    return out


@TRANSFORMS.register_module()
class ClipPhotoMetricDistortion(BaseTransform):
    """Brightness, contrast, saturation and hue jitter of every frame of a clip.

    Args:
        per_frame: draw parameters for each frame (True) or once per clip.
        brightness_delta, contrast_range, saturation_range, hue_delta: ranges.
    """

    def __init__(self, per_frame: bool = False, brightness_delta: int = 32,
                 contrast_range: Tuple[float, float] = (0.5, 1.5),
                 saturation_range: Tuple[float, float] = (0.5, 1.5),
                 hue_delta: int = 18):
        self.per_frame = per_frame
        self.brightness_delta = brightness_delta
        self.contrast_range = tuple(contrast_range)
        self.saturation_range = tuple(saturation_range)
        self.hue_delta = hue_delta

    def _params(self) -> dict:
        return sample_photometric_params(self.brightness_delta,
                                         self.contrast_range,
                                         self.saturation_range, self.hue_delta)

    def transform(self, results: dict) -> dict:
        imgs = results['img']
        if not isinstance(imgs, list):
            raise ValueError('ClipPhotoMetricDistortion expects a list of frames '
                             '(run LoadClip first)')
        params: Optional[dict] = None if self.per_frame else self._params()
        results['img'] = [apply_photometric(im, params or self._params())
                          for im in imgs]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(per_frame={self.per_frame})'
