"""Classical optical flow (OpenCV DIS or Farneback): no weights, no training.

Direction follows the project's convention: ``compute(img_t, img_s)`` is the
flow from frame t to frame s, the one that warps s onto t
(``flow_warp(x_s, flow)(p) = x_s(p + flow(p))``).
"""
from typing import Optional, Sequence

import cv2
import numpy as np
import torch

from uda_video.registry import MODELS
from .flow_source import BaseFlowSource

_DIS_PRESETS = {
    'ultrafast': cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    'fast': cv2.DISOPTICAL_FLOW_PRESET_FAST,
    'medium': cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def to_gray_uint8(img: np.ndarray, name: str = 'image') -> np.ndarray:
    """H x W x 3 (BGR) or H x W image, uint8 or float in [0, 255] -> gray."""
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8),
                           cv2.COLOR_BGR2GRAY)
    elif img.ndim != 2:
        raise ValueError(f'{name} must be H x W x 3 or H x W, got {img.shape}')
    return np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8))


@MODELS.register_module()
class ClassicalFlow(BaseFlowSource):
    """OpenCV flow as a flow source (no weights, no gradients).

    Args:
        method: 'dis' (Dense Inverse Search) or 'farneback'.
        preset: DIS preset, 'ultrafast', 'fast' or 'medium'.
        mean, std: per-channel normalization of tensor inputs to undo (the
            data preprocessor's); None means tensors hold 0-255 values.
        bgr_to_rgb: whether tensor inputs are RGB (then converted back to BGR
            before OpenCV's gray conversion).
    """

    def __init__(self,
                 method: str = 'dis',
                 preset: str = 'medium',
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = True):
        super().__init__()
        if method not in ('dis', 'farneback'):
            raise ValueError(
                f"method must be 'dis' or 'farneback', got {method!r}")
        if method == 'dis' and preset not in _DIS_PRESETS:
            raise ValueError(f'preset must be one of {sorted(_DIS_PRESETS)}, '
                             f'got {preset!r}')
        self.method = method
        self.preset = preset
        self.mean = None if mean is None else np.asarray(mean, np.float32)
        self.std = None if std is None else np.asarray(std, np.float32)
        self.bgr_to_rgb = bgr_to_rgb
        self._dis = None

    def compute(self, img1: np.ndarray, img2: np.ndarray) -> np.ndarray:
        """Flow H x W x 2 float32 (pixels) from img1 to img2 (BGR or gray)."""
        g1 = to_gray_uint8(img1, 'img1')
        g2 = to_gray_uint8(img2, 'img2')
        if g1.shape != g2.shape:
            raise ValueError(f'img1 {g1.shape} and img2 {g2.shape} differ')
        if self.method == 'dis':
            if self._dis is None:
                self._dis = cv2.DISOpticalFlow_create(_DIS_PRESETS[self.preset])
            flow = self._dis.calc(g1, g2, None)
        else:
            flow = cv2.calcOpticalFlowFarneback(
                g1, g2, None, pyr_scale=0.5, levels=4, winsize=15,
                iterations=3, poly_n=5, poly_sigma=1.2, flags=0)
        return flow.astype(np.float32)

    def _to_numpy(self, img: torch.Tensor) -> np.ndarray:
        arr = img.detach().float().cpu().numpy().transpose(1, 2, 0)
        if self.std is not None:
            arr = arr * self.std
        if self.mean is not None:
            arr = arr + self.mean
        if self.bgr_to_rgb and arr.shape[2] == 3:
            arr = arr[..., ::-1]
        return arr

    @torch.no_grad()
    def predict_flow(self, img1: torch.Tensor,
                     img2: torch.Tensor) -> torch.Tensor:
        """N x 3 x H x W tensors -> flow N x 2 x H x W from img1 to img2."""
        if img1.shape != img2.shape or img1.dim() != 4:
            raise ValueError('img1 and img2 must be N x C x H x W of one '
                             f'shape, got {tuple(img1.shape)} and '
                             f'{tuple(img2.shape)}')
        flows = [
            torch.from_numpy(
                self.compute(self._to_numpy(a), self._to_numpy(b)))
            for a, b in zip(img1, img2)
        ]
        return torch.stack(flows).permute(0, 3, 1, 2).to(img1.device)

    def estimate(self, target: torch.Tensor, source: torch.Tensor,
                 data_samples: Optional[Sequence] = None) -> torch.Tensor:
        """Flow target -> source at the frames' size (see predict_flow)."""
        return self.predict_flow(target, source)

    def forward(self, img1: torch.Tensor, img2: torch.Tensor) -> list:
        """One-level list, like the learned estimators' multi-scale output."""
        return [self.predict_flow(img1, img2)]
