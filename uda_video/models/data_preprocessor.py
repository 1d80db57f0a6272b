"""ClipDataPreProcessor: normalize clips and stack them to N x T x 3 x H x W."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from mmengine.structures import PixelData

from uda_video.registry import MODELS

DOMAINS = ('source', 'target')


def pad_clip(clip: torch.Tensor, size: Tuple[int, int],
             pad_val: float) -> torch.Tensor:
    """Pad ``clip`` (... x H x W) at the bottom/right to ``size`` = (h, w)."""
    h, w = clip.shape[-2:]
    if (h, w) == tuple(size):
        return clip
    if h > size[0] or w > size[1]:
        raise ValueError(f'cannot pad a {h}x{w} clip to {size[0]}x{size[1]}')
    return F.pad(clip, (0, size[1] - w, 0, size[0] - h), value=pad_val)


def batch_pad_size(shapes: Sequence[Tuple[int, int]],
                   size: Optional[Tuple[int, int]] = None,
                   size_divisor: Optional[int] = None) -> Tuple[int, int]:
    """Common padded (h, w) of a batch: ``size`` if given, else the largest
    shape rounded up to ``size_divisor``."""
    if size is not None:
        return int(size[0]), int(size[1])
    h = max(s[0] for s in shapes)
    w = max(s[1] for s in shapes)
    if size_divisor:
        h = int(math.ceil(h / size_divisor)) * size_divisor
        w = int(math.ceil(w / size_divisor)) * size_divisor
    return h, w


@MODELS.register_module()
class ClipDataPreProcessor(BaseDataPreprocessor):
    """Clip counterpart of mmseg's SegDataPreProcessor.

    Takes ``inputs``: a list of N uint8 tensors T x 3 x H x W (PackClipInputs)
    and returns float ``inputs`` N x T x 3 x H' x W' (also for T == 1), padded
    at the bottom/right; ``gt_sem_seg`` and ``gt_panoptic_seg`` are padded
    with ``seg_pad_val`` / VOID, ``gt_flow`` and ``gt_flow_back`` with 0, and
    the metainfo gets ``pad_shape``, ``batch_input_shape`` and
    ``padding_size`` ([left, right, top, bottom], what mmseg's segmentors crop
    off at test time). A UDA batch ``dict(source=..., target=...)`` is
    processed per domain.

    Args:
        mean, std: per-channel normalization (RGB order after bgr_to_rgb).
        bgr_to_rgb: swap channels (frames are loaded as BGR).
        pad_val, seg_pad_val: padding values of images / labels.
        size: fixed padded size (h, w) in training, or None.
        size_divisor: round the padded size up to a multiple of this.
        test_cfg: ``dict(size=..., size_divisor=...)`` used when not training.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 pad_val: float = 0,
                 seg_pad_val: int = 255,
                 size: Optional[Tuple[int, int]] = None,
                 size_divisor: Optional[int] = None,
                 test_cfg: Optional[dict] = None):
        super().__init__()
        if (mean is None) != (std is None):
            raise ValueError('give both mean and std, or neither')
        self._normalize = mean is not None
        if self._normalize:
            self.register_buffer('mean', torch.tensor(mean).view(1, 3, 1, 1), False)
            self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1), False)
        self.bgr_to_rgb = bgr_to_rgb
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.size = tuple(size) if size is not None else None
        self.size_divisor = size_divisor
        self.test_cfg = dict(test_cfg or {})

    def forward(self, data: dict, training: bool = False) -> Dict:
        if set(data.keys()) == set(DOMAINS):
            return {d: self.forward(data[d], training) for d in DOMAINS}
        data = self.cast_data(data)
        inputs: List[torch.Tensor] = data['inputs']
        if isinstance(inputs, torch.Tensor):
            inputs = list(inputs)
        samples = data.get('data_samples')
        clips = []
        for x in inputs:
            if x.dim() != 4 or x.size(1) != 3:
                raise ValueError(f'each input must be T x 3 x H x W, got {tuple(x.shape)}')
            x = x.float()
            if self.bgr_to_rgb:
                x = x[:, [2, 1, 0]]
            if self._normalize:
                x = (x - self.mean) / self.std
            clips.append(x)
        if training:
            size, divisor = self.size, self.size_divisor
        else:
            size, divisor = self.test_cfg.get('size'), self.test_cfg.get('size_divisor')
        t = clips[0].size(0)
        if any(c.size(0) != t for c in clips):
            raise ValueError('all clips of a batch must have the same number of '
                             f'frames, got {[c.size(0) for c in clips]}')
        shapes = [tuple(c.shape[-2:]) for c in clips]
        h, w = batch_pad_size(shapes, size, divisor)
        out = torch.stack([pad_clip(c, (h, w), self.pad_val) for c in clips])
        if samples is not None:
            for s, (ch, cw) in zip(samples, shapes):
                # Testing: a label kept at its full resolution (not the
                # input's size, KeepLabelResolution) is left as it is; the
                # prediction is resized to it (ori_shape).
                for key, fill in (('gt_sem_seg', self.seg_pad_val),
                                  ('gt_panoptic_seg', 255 * 1000)):
                    if key in s and (training or tuple(
                            s.get(key).data.shape[-2:]) == (ch, cw)):
                        s.set_data({key: PixelData(data=pad_clip(
                            s.get(key).data, (h, w), fill))})
                if 'gt_flow' in s:
                    s.gt_flow = pad_clip(s.gt_flow, (h, w), 0.0)
                if 'gt_flow_back' in s:
                    s.gt_flow_back = pad_clip(s.gt_flow_back, (h, w), 0.0)
                s.set_metainfo(dict(pad_shape=(h, w), batch_input_shape=(h, w),
                                    padding_size=[0, w - cw, 0, h - ch]))
        return dict(inputs=out, data_samples=samples)
