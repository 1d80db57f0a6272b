"""Temporal consistency (TC): agreement of consecutive predictions along flow."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from uda_video.datasets.flow_io import read_flow
from uda_video.registry import METRICS, MODELS
from uda_video.structures import sample_flow, sample_has_flow
from ..functional import consistency_areas, forward_backward_mask, warp_labels

# Flow carried by the data (sample fields, files); any other flow source is
# a component config (MODELS), e.g. dict(type='ClassicalFlow').
FLOW_SOURCES = ('gt_flow', 'file')


def frame_name(img_path: str) -> str:
    """The name a frame's flow files start with: the file name without
    extension and without a trailing non-numeric ``_token``.

    '.../0001_0002_city_000001_000020_leftImg8bit.png' ->
    '0001_0002_city_000001_000020'; '.../001_00042.jpg' -> '001_00042'
    (a last token of digits is the frame number and stays). This is the part
    before ``_flow_fw.png`` in the files of tools/dataset_converters/compute_flow.py and of the
    synthetic benchmark.
    """
    stem = osp.splitext(osp.basename(img_path))[0]
    head, sep, last = stem.rpartition('_')
    if sep and head and last and not last.isdigit():
        return head
    return stem


def _flow_from_sample(sample: dict, offset: int) -> Optional[torch.Tensor]:
    """2 x H x W flow from the key frame to the frame at ``offset``, or None."""
    offsets = list(sample.get('frame_offsets', [0]))
    if offset not in offsets[1:] or not sample_has_flow([sample]):
        return None
    index = offsets[1:].index(offset)
    return sample_flow([sample], 'gt_flow', index)[0].cpu()


@METRICS.register_module()
class TemporalConsistencyMetric(BaseMetric):
    """mIoU between the prediction at t and the prediction at t+1 warped to t.

    Needs every frame of a video in order (the video test order); it keeps
    the previous frame's prediction of the current video. Every sample is
    read, labelled or not. Pixels whose warped source leaves the frame are
    not counted.

    Args:
        flow_source: where the flow t -> t+1 comes from:
            'gt_flow': the ``gt_flow`` of frame t's sample (its
            ``frame_offsets`` must hold +1); 'file': a flow file per frame,
            ``flow_file_tmpl.format(video_id=, frame_id=, stem=, name=,
            img_dir=)`` (``stem``: the image file name without extension;
            ``name``: the stem without a trailing non-numeric ``_token``
            such as ``_leftImg8bit``, see :func:`frame_name`, e.g.
            ``'{img_dir}/../flow/{name}_flow_fw.png'`` for Cityscapes-VPS;
            KITTI PNG or .flo, see uda_video.datasets.flow_io);
            or a flow source config (MODELS, e.g.
            ``dict(type='ClassicalFlow', method='dis')``) whose ``flow(t,
            t+1)`` runs on the images read from ``img_path`` (1 x 3 x H x W
            RGB tensors of 0-255 values). The old ``flow_source='backend'``
            with ``flow_backend=`` is translated.
        occlusion: None; 'valid' (drop pixels the flow marks invalid: the
            validity channel of flow files); 'fb' (also drop pixels failing
            the forward-backward check, with the flow t+1 -> t from the
            sample of t+1 (offset -1) or ``bw_flow_file_tmpl``).
        num_classes: default len(dataset_meta['classes']).
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 flow_source: Union[str, dict] = 'gt_flow',
                 flow_file_tmpl: Optional[str] = None,
                 bw_flow_file_tmpl: Optional[str] = None,
                 flow_backend: Optional[dict] = None,
                 occlusion: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if flow_source == 'backend':  # the old name of a component config
            if flow_backend is None:
                raise ValueError("flow_source='backend' needs flow_backend")
            flow_source = flow_backend
        if isinstance(flow_source, str) and flow_source not in FLOW_SOURCES:
            raise ValueError(f'TemporalConsistencyMetric flow_source must be '
                             f'one of {FLOW_SOURCES} or a flow source config, '
                             f'got {flow_source!r}')
        if flow_source == 'file' and not flow_file_tmpl:
            raise ValueError("flow_source='file' needs flow_file_tmpl")
        if occlusion not in (None, 'valid', 'fb'):
            raise ValueError(f"occlusion must be None, 'valid' or 'fb', got "
                             f'{occlusion!r}')
        if not isinstance(flow_source, str):
            cfg, flow_source = flow_source, MODELS.build(flow_source)
            if not callable(getattr(flow_source, 'flow', None)):
                raise TypeError(f'flow_source {cfg} is not a flow source '
                                '(no flow(target, source) method)')
        self.flow_source = flow_source
        self.flow_file_tmpl = flow_file_tmpl
        self.bw_flow_file_tmpl = bw_flow_file_tmpl
        self.occlusion = occlusion
        self.num_classes = num_classes
        self._prev: Optional[dict] = None

    def _format(self, tmpl: str, sample: dict) -> str:
        img_path = sample.get('img_path', '')
        return tmpl.format(
            video_id=sample.get('video_id'), frame_id=sample.get('frame_id'),
            stem=osp.splitext(osp.basename(img_path))[0],
            name=frame_name(img_path), img_dir=osp.dirname(img_path))

    @staticmethod
    def _read_flow_file(path: str, key: str):
        """(flow H x W x 2, valid H x W) of ``path``; a missing file names
        the template key and how to make the files."""
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'TemporalConsistencyMetric: flow file not found: {path} '
                f'(from {key}); compute the flow files with '
                'tools/dataset_converters/compute_flow.py, or evaluate without temporal '
                'consistency (e.g. cityscapes_vps_evaluator_no_flow)')
        return read_flow(path)

    def _forward_flow(self, prev: dict, cur: dict
                      ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Flow t -> t+1 (2 x H x W) and its validity (H x W bool or None)."""
        if self.flow_source == 'gt_flow':
            flow = _flow_from_sample(prev, 1)
            if flow is None:
                raise KeyError(
                    'TemporalConsistencyMetric(flow_source=gt_flow): sample '
                    f'{prev.get("img_path")} has no gt_flow towards offset +1 '
                    f'(frame_offsets {prev.get("frame_offsets")})')
            return flow, None
        if self.flow_source == 'file':
            flow, valid = self._read_flow_file(
                self._format(self.flow_file_tmpl, prev), 'flow_file_tmpl')
            return (torch.from_numpy(flow).permute(2, 0, 1),
                    torch.from_numpy(valid))
        import cv2
        frames = []
        for s in (prev, cur):
            img = cv2.imread(s['img_path'], cv2.IMREAD_COLOR)
            if img is None:
                raise FileNotFoundError(
                    f'TemporalConsistencyMetric: cannot read {s["img_path"]}')
            rgb = np.ascontiguousarray(img[..., ::-1], dtype=np.float32)
            frames.append(torch.from_numpy(rgb).permute(2, 0, 1)[None])
        with torch.no_grad():
            flow = self.flow_source.flow(frames[0], frames[1])[0]
        return flow.float().cpu(), None

    def _backward_flow(self, cur: dict) -> torch.Tensor:
        """Flow t+1 -> t for the forward-backward check."""
        if self.bw_flow_file_tmpl:
            flow, _ = self._read_flow_file(
                self._format(self.bw_flow_file_tmpl, cur), 'bw_flow_file_tmpl')
            return torch.from_numpy(flow).permute(2, 0, 1)
        flow = _flow_from_sample(cur, -1)
        if flow is None:
            raise KeyError(
                "TemporalConsistencyMetric(occlusion='fb') needs the flow "
                f't+1 -> t: sample {cur.get("img_path")} has no gt_flow '
                'towards offset -1 and bw_flow_file_tmpl is not set')
        return flow

    def _pair_areas(self, prev: dict, cur: dict, num_classes: int):
        pred_t, pred_t1 = prev['pred'], cur['pred']
        flow, valid = self._forward_flow(prev, cur)
        if flow.shape[1:] != pred_t.shape:
            raise ValueError(
                f'TemporalConsistencyMetric: flow of {prev.get("img_path")} '
                f'is {tuple(flow.shape[1:])}, prediction is '
                f'{tuple(pred_t.shape)}')
        warped, inside = warp_labels(pred_t1, flow)
        mask = inside
        if self.occlusion is not None and valid is not None:
            mask = mask & valid
        if self.occlusion == 'fb':
            mask = mask & forward_backward_mask(flow, self._backward_flow(cur))
        return consistency_areas(pred_t, warped, num_classes, mask)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = self.num_classes or len(self.dataset_meta['classes'])
        for sample in data_samples:
            for key in ('video_id', 'frame_id'):
                if key not in sample:
                    raise KeyError('TemporalConsistencyMetric: sample '
                                   f'{sample.get("img_path")} has no '
                                   f'metainfo {key!r}')
            cur = dict(sample)
            cur['pred'] = sample['pred_sem_seg']['data'].squeeze(0).cpu()
            prev = self._prev
            if prev is not None and prev['video_id'] == cur['video_id']:
                if cur['frame_id'] != prev['frame_id'] + 1:
                    raise ValueError(
                        'TemporalConsistencyMetric needs consecutive frames: '
                        f'video {cur["video_id"]} frame {prev["frame_id"]} '
                        f'is followed by frame {cur["frame_id"]}; use the '
                        'video test order with every frame')
                inter, union = self._pair_areas(prev, cur, num_classes)
                self.results.append((inter.numpy(), union.numpy()))
            # keep only what the next pair needs
            self._prev = {
                k: cur[k]
                for k in ('video_id', 'frame_id', 'frame_offsets', 'gt_flow',
                          'img_path', 'pred') if k in cur
            }

    def evaluate(self, size: int) -> dict:
        try:
            return super().evaluate(size)
        finally:
            self._prev = None

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if not results:
            raise ValueError('TemporalConsistencyMetric: no pair of '
                             'consecutive frames was seen')
        inter = np.sum([r[0] for r in results], axis=0)
        union = np.sum([r[1] for r in results], axis=0)
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = inter / union
        return dict(TC=round(float(np.nanmean(iou)) * 100, 2),
                    TC_pairs=len(results))
