"""Tiny models, stub flow networks and samples for the video segmentor tests."""
import copy

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from uda_video.models.flow import BaseFlowSource
from uda_video.registry import MODELS

NUM_CLASSES = 3


class ZeroFlowNet(BaseFlowSource):
    """Outputs zero flow at 1/4 of the input grid (zero motion)."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def estimate(self, target, source, data_samples=None):
        n, _, h, w = target.shape
        return target.new_zeros(n, 2, h // 4, w // 4) + 0 * self.dummy


class TinyFlowNet(BaseFlowSource):
    """A real (random) flow regressor: two convs on the pair, stride 4."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(6, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 2, 3, stride=2, padding=1)

    def forward(self, img1, img2):
        x = torch.relu(self.conv1(torch.cat([img1, img2], 1)))
        fine = 3.0 * self.conv2(x)
        coarse = nn.functional.avg_pool2d(fine, 2) * 0.5
        return [fine, coarse]

    def estimate(self, target, source, data_samples=None):
        return self(target, source)[0]


MODELS.register_module(name='TestZeroFlowNet', module=ZeroFlowNet, force=True)
MODELS.register_module(name='TestTinyFlowNet', module=TinyFlowNet, force=True)

BACKBONE = dict(
    type='ResNetV1c',
    depth=18,
    stem_channels=8,
    base_channels=8,
    num_stages=4,
    out_indices=(3, ),
    dilations=(1, 1, 2, 4),
    strides=(1, 2, 1, 1),
    norm_cfg=dict(type='BN', requires_grad=True),
    contract_dilation=True)
HEAD = dict(
    type='DeepLabV2Head',
    in_channels=64,
    in_index=0,
    dilations=(1, 2),
    num_classes=NUM_CLASSES)


def per_frame_cfg(backbone=BACKBONE, head=HEAD):
    return dict(type='ClipEncoderDecoder', backbone=copy.deepcopy(backbone),
                decode_head=copy.deepcopy(head),
                test_cfg=dict(mode='whole'))


def build_model(cfg):
    model = MODELS.build(ConfigDict(cfg))
    # Non-trivial BN statistics so eval-mode equality tests mean something.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model


def per_frame_twin(model, backbone=BACKBONE, head=HEAD):
    """A ClipEncoderDecoder with ``model``'s backbone and head weights."""
    twin = build_model(per_frame_cfg(backbone, head))
    missing, _ = twin.load_state_dict(model.state_dict(), strict=False)
    assert not missing
    return twin.eval()


def sample(video_id, frame_id, h=32, w=32, label=False):
    s = SegDataSample(metainfo=dict(
        video_id=video_id, frame_id=frame_id, img_shape=(h, w),
        ori_shape=(h, w), pad_shape=(h, w), padding_size=[0, 0, 0, 0],
        frame_offsets=[0], is_labelled=label))
    if label:
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, NUM_CLASSES, (1, h, w)))
    return s


@torch.no_grad()
def predict_logits(model, frame, data_sample):
    """seg_logits (K x H x W) of one 1 x C x H x W frame."""
    out = model.predict(frame.unsqueeze(1), [data_sample])[0]
    return out.seg_logits.data, out

