"""Every base model config builds and gives outputs of the right shape."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

from helpers import REPO
from uda_video.registry import MODELS

# encoder_*: the shared encoder; *_parts: pieces that configs take by name.
MODEL_CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs/_base_/models/*.py'))
    if not osp.basename(p).startswith('encoder_')
    and not p.endswith('_parts.py'))


def build(path, num_classes=5):
    init_default_scope('uda_video')
    cfg = Config.fromfile(path)
    cfg.model.decode_head.num_classes = num_classes
    if cfg.model.get('auxiliary_head'):
        cfg.model.auxiliary_head.num_classes = num_classes
    return revert_sync_batchnorm(MODELS.build(cfg.model))


def test_expected_families_present():
    names = {osp.basename(p)[:-3] for p in MODEL_CONFIGS}
    for fam in ('deeplabv2', 'deeplabv3plus', 'pspnet', 'fcn'):
        for depth in ('r18', 'r50', 'r101'):
            assert f'{fam}_{depth}-d8' in names
        assert f'{fam}_r18-half-d8' in names


@pytest.mark.parametrize('path', MODEL_CONFIGS, ids=osp.basename)
def test_base_model_forward_shapes(path):
    model = build(path).eval()
    x = torch.randn(1, 3, 32, 48)
    with torch.no_grad():
        logits = model(x, mode='tensor')
        # Output stride 8 decoders; the DeepLab-v3+ decoder works at stride 4.
        stride = 4 if 'deeplabv3plus' in path else 8
        if 'caffe' in path:
            # the field's caffe ResNet rounds its stem max-pool up (ceil_mode):
            # 32x48 -> 16x24 -> 9x13 -> 5x7
            assert logits.shape == (1, 5, 5, 7)
        else:
            assert logits.shape == (1, 5, 32 // stride, 48 // stride)
        meta = dict(img_shape=(32, 48), ori_shape=(32, 48), pad_shape=(32, 48),
                    padding_size=[0, 0, 0, 0])
        pred = model(x, [SegDataSample(metainfo=meta)], mode='predict')[0]
    assert pred.pred_sem_seg.data.shape == (1, 32, 48)
    assert int(pred.pred_sem_seg.data.max()) < 5


def test_deeplabv2_head_is_sum_of_dilated_branches():
    from uda_video.models.decode_heads import DeepLabV2Head
    head = DeepLabV2Head(in_channels=4, num_classes=3, dilations=(1, 2))
    assert not hasattr(head, 'conv_seg')
    assert [m.dilation for m in head.aspp] == [(1, 1), (2, 2)]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in head.modules())
    x = torch.randn(2, 4, 9, 9)
    expected = head.aspp[0](x) + head.aspp[1](x)
    torch.testing.assert_close(head((x, )), expected)


def test_deeplabv2_loss_backpropagates():
    model = build(osp.join(REPO, 'configs/_base_/models/deeplabv2_r18-half-d8.py'),
                  num_classes=3).train()
    model.init_weights()
    x = torch.randn(2, 3, 32, 32)
    samples = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(32, 32)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 32, 32)))
        samples.append(s)
    losses = model(x, samples, mode='loss')
    losses['decode.loss_ce'].backward()
    assert model.decode_head.aspp[0].weight.grad.abs().sum() > 0
    assert model.backbone.stem[0].weight.grad.abs().sum() > 0
