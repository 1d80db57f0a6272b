"""A trainable flow model on the project's clips (tools/train.py, tools/test.py).

Clips follow docs/conventions.md: ``inputs`` N x T x 3 x H x W, key frame
first; ``data_samples[i].gt_flow`` is (T-1) x 2 x H x W, the flow from the key
frame to each reference frame. The model predicts the flow from frame 0 to
frame ``ref_index`` and is supervised by ``gt_flow[ref_index - 1]``, where
valid: inside the frame's ``img_shape`` (padding excluded) and, when the
sample has one, ``gt_flow_valid`` ((T-1) x H x W bool).
"""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import PixelData

from uda_video.ops import resize_flow
from uda_video.registry import MODELS
from uda_video.structures import sample_flow
from .losses import endpoint_error

SampleList = list


def _field(sample, name: str) -> Optional[torch.Tensor]:
    value = getattr(sample, name, None)
    if value is None:
        return None
    return value.data if isinstance(value, PixelData) else value


def _unpadded(valid: Optional[torch.Tensor], sample,
              size) -> Optional[torch.Tensor]:
    """``valid`` restricted to the frame's ``img_shape`` (the data
    preprocessor pads clips and gt_flow at the bottom/right with zeros)."""
    img_shape = sample.metainfo.get('img_shape')
    if img_shape is None or tuple(img_shape[:2]) == tuple(size):
        return valid
    h, w = int(img_shape[0]), int(img_shape[1])
    if valid is None:
        valid = torch.ones(tuple(size), dtype=torch.bool)
    valid = valid.clone()
    valid[h:] = False
    valid[:, w:] = False
    return valid


@MODELS.register_module()
class FlowEstimator(BaseModel):
    """Wraps a flow network (FlowNetS/FlowNetC/ClassicalFlow) as a model.

    Args:
        flow_net: config of the network being trained (``forward(img1,
            img2)`` returns flows finest first, ``predict_flow`` the
            full-resolution flow). Not a ``flow_source`` role: the network
            is the model here, and the ``flow_net.*`` keys of its
            checkpoints are what ``init_cfg=dict(type='Pretrained',
            prefix='flow_net.')`` of DFF / Accel and ``FrozenFlow`` read.
        loss: config of the multi-scale loss.
        data_preprocessor: config of the clip data preprocessor.
        ref_index: which frame of the clip is the second image (>= 1).

    Modes: 'loss' -> {'loss_epe', 'epe'} (epe: full-resolution end-point
    error, a log value); 'predict' -> samples with ``pred_flow``
    (PixelData 2 x H x W); 'tensor' -> the multi-scale flows.
    """

    def __init__(self,
                 flow_net: dict,
                 loss: dict = dict(type='MultiScaleEPELoss'),
                 data_preprocessor: Optional[dict] = None,
                 ref_index: int = 1,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if ref_index < 1:
            raise ValueError(f'ref_index must be >= 1, got {ref_index}')
        self.flow_net = MODELS.build(flow_net)
        self.loss_fn = MODELS.build(loss)
        self.ref_index = ref_index

    def _pair(self, inputs: torch.Tensor):
        if inputs.dim() != 5 or inputs.size(1) <= self.ref_index:
            raise ValueError(
                'FlowEstimator needs clips N x T x C x H x W with T > '
                f'ref_index={self.ref_index}, got {tuple(inputs.shape)}')
        return inputs[:, 0], inputs[:, self.ref_index]

    def _targets(self, data_samples: SampleList):
        target = sample_flow(data_samples, 'gt_flow', self.ref_index - 1)
        valids = []
        for sample in data_samples:
            valid = _field(sample, 'gt_flow_valid')
            valids.append(_unpadded(
                None if valid is None else valid[self.ref_index - 1].bool(),
                sample, target.shape[-2:]))
        valid = None
        if any(v is not None for v in valids):
            valid = torch.stack([
                torch.ones(target.shape[2:], dtype=torch.bool)
                if v is None else v.cpu() for v in valids
            ]).to(target.device)
        return target, valid

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict, List, SampleList]:
        img1, img2 = self._pair(inputs)
        if mode == 'tensor':
            return self.flow_net(img1, img2)
        if mode == 'loss':
            preds = self.flow_net(img1, img2)
            target, valid = self._targets(data_samples)
            target = target.to(preds[0].device)
            loss = self.loss_fn(preds, target, valid)
            with torch.no_grad():
                full = resize_flow(preds[0], target.shape[2:])
                epe = endpoint_error(full, target, valid)
            return dict(loss_epe=loss, epe=epe)
        if mode == 'predict':
            flow = self.flow_net.predict_flow(img1, img2)
            for sample, f in zip(data_samples, flow):
                sample.pred_flow = PixelData(data=f)
            return data_samples
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}')
