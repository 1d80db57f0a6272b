"""PackClipInputs: a clip -> ``inputs`` T x 3 x H x W and one SegDataSample."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from uda_video.registry import TRANSFORMS

DEFAULT_META_KEYS = ('video_id', 'frame_id', 'frame_offsets', 'is_labelled',
                     'img_path', 'ref_img_paths', 'seg_map_path', 'ori_shape',
                     'img_shape', 'pad_shape', 'scale_factor', 'flip',
                     'flip_direction', 'reduce_zero_label', 'sample_idx')


@TRANSFORMS.register_module()
class PackClipInputs(BaseTransform):
    """Pack a clip (docs/conventions.md, "A clip").

    Output ``dict(inputs=uint8 tensor T x 3 x H x W (key first, BGR as
    loaded), data_samples=SegDataSample)`` with ``gt_sem_seg`` (1 x H x W
    int64) of the key frame, ``gt_panoptic_seg`` (1 x H x W int64) when
    loaded, and ``gt_flow`` / ``gt_flow_back`` ((T-1) x 2 x H x W float32;
    key -> reference i / reference i -> key) when loaded.

    Args:
        meta_keys: keys copied to the metainfo when present.
    """

    def __init__(self, meta_keys=DEFAULT_META_KEYS):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        imgs = results['img']
        if not isinstance(imgs, list):
            raise ValueError('PackClipInputs expects a list of frames (LoadClip)')
        arr = np.stack([np.ascontiguousarray(im) for im in imgs])  # T H W 3
        inputs = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(
            results['gt_seg_map'][0].astype(np.int64))[None])
        if results.get('gt_panoptic_seg') is not None:
            sample.gt_panoptic_seg = PixelData(data=torch.from_numpy(
                results['gt_panoptic_seg'][0].astype(np.int64))[None])
        for key in ('gt_flow', 'gt_flow_back'):
            if results.get(key) is not None:
                flows = np.stack(results[key][1:]) if len(imgs) > 1 else \
                    np.zeros((0, ) + imgs[0].shape[:2] + (2, ), np.float32)
                sample.set_data({key: torch.from_numpy(np.ascontiguousarray(
                    flows, np.float32)).permute(0, 3, 1, 2).contiguous()})
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta['is_labelled'] = bool(results.get('is_labelled', True))
        sample.set_metainfo(meta)
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
