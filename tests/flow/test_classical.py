"""OpenCV backends follow the project's flow direction."""
import cv2
import numpy as np
import pytest
import torch

from uda_video.models.flow import ClassicalFlow
from uda_video.ops import flow_warp


def textured_pair(dx=3, dy=-2, size=96, seed=0):
    """img1(p) = img2(p + (dx, dy))."""
    rng = np.random.default_rng(seed)
    big = cv2.resize(rng.integers(0, 256, (size // 6 + 4, size // 6 + 4, 3))
                     .astype(np.uint8), (size + 24, size + 24),
                     interpolation=cv2.INTER_CUBIC)
    img2 = big[12:12 + size, 12:12 + size]
    img1 = big[12 + dy:12 + dy + size, 12 + dx:12 + dx + size]
    return np.ascontiguousarray(img1), np.ascontiguousarray(img2)


@pytest.mark.parametrize('method', ['dis', 'farneback'])
def test_recovers_translation_in_project_direction(method):
    img1, img2 = textured_pair()
    flow = ClassicalFlow(method=method).compute(img1, img2)
    assert flow.shape == (96, 96, 2) and flow.dtype == np.float32
    inner = flow[16:-16, 16:-16].reshape(-1, 2)
    np.testing.assert_allclose(np.median(inner, axis=0), [3, -2], atol=0.3)
    # ...so warping img2 with it reproduces img1.
    warped = flow_warp(
        torch.from_numpy(img2).permute(2, 0, 1)[None].float(),
        torch.from_numpy(flow).permute(2, 0, 1)[None])[0].permute(1, 2, 0)
    err = (warped.numpy() - img1.astype(np.float32))[16:-16, 16:-16]
    assert np.abs(err).mean() < 6.0


def test_tensor_api_undoes_normalization():
    img1, img2 = textured_pair()
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]

    def norm(img):  # BGR uint8 -> normalized RGB tensor, as the preprocessor
        rgb = torch.from_numpy(img[..., ::-1].copy()).permute(2, 0, 1).float()
        return ((rgb - torch.tensor(mean).view(3, 1, 1)) /
                torch.tensor(std).view(3, 1, 1))[None]

    backend = ClassicalFlow(method='dis', mean=mean, std=std)
    flow = backend.predict_flow(norm(img1), norm(img2))
    assert flow.shape == (1, 2, 96, 96)
    expected = ClassicalFlow(method='dis').compute(img1, img2)
    np.testing.assert_allclose(flow[0].permute(1, 2, 0).numpy(), expected,
                               atol=0.05)  # +-1 gray level rounding


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="'lk'"):
        ClassicalFlow(method='lk')
    with pytest.raises(ValueError, match='img1'):
        ClassicalFlow().compute(np.zeros((4, 4, 2), np.uint8),
                                np.zeros((4, 4, 3), np.uint8))
