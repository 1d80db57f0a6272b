"""tools/model_converters/convert_checkpoint.py: the field's DeepLab-v2 checkpoints load strictly and
give the field's logits; mismatching checkpoints are refused by name."""
import copy
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn

from helpers import REPO, load_tool

BASE = f'{REPO}/configs/_base_/models/deeplabv2-caffe_r101-d8.py'
CAFFE_MEAN = (104.00698793, 116.66876762, 122.67891434)
NUM_CLASSES = 19


# ---- the field's DeepLab-v2, rebuilt with its module names -----------------
class FieldBottleneck(nn.Module):
    """Caffe-style bottleneck: the stride is on the first 1x1 conv."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, dilation=1,
                 downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=dilation,
                               dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class FieldClassifier(nn.Module):
    """Four dilated 3x3 convs with bias, summed."""

    def __init__(self, inplanes, num_classes, rates=(6, 12, 18, 24)):
        super().__init__()
        self.conv2d_list = nn.ModuleList(
            nn.Conv2d(inplanes, num_classes, 3, padding=r, dilation=r,
                      bias=True) for r in rates)

    def forward(self, x):
        out = self.conv2d_list[0](x)
        for conv in self.conv2d_list[1:]:
            out = out + conv(x)
        return out


class FieldDeepLabV2(nn.Module):
    """ResNet-101 (7x7 stem, ceil-mode pool, stages 3/4 dilated 2/4 in every
    block) + ``layer5`` (stage 3, multi-level) and ``layer6`` (stage 4)."""

    def __init__(self, num_classes, multi_level=True, score_fusion=False):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.layer1 = self._stage(64, 3, 1, 1)
        self.layer2 = self._stage(128, 4, 2, 1)
        self.layer3 = self._stage(256, 23, 1, 2)
        self.layer4 = self._stage(512, 3, 1, 4)
        if multi_level:
            self.layer5 = FieldClassifier(1024, num_classes)
        self.layer6 = FieldClassifier(2048, num_classes)
        if score_fusion:
            self.sf_layer = nn.Conv2d(2 * num_classes, num_classes, 1,
                                      bias=False)
            with torch.no_grad():
                self.sf_layer.weight.zero_()
                self.sf_layer.weight[:, :num_classes, 0, 0] = torch.eye(
                    num_classes)

    def _stage(self, planes, blocks, stride, dilation):
        downsample = nn.Sequential(
            nn.Conv2d(self.inplanes, planes * 4, 1, stride=stride, bias=False),
            nn.BatchNorm2d(planes * 4))
        layers = [FieldBottleneck(self.inplanes, planes, stride, dilation,
                                  downsample)]
        self.inplanes = planes * 4
        layers += [FieldBottleneck(self.inplanes, planes, 1, dilation)
                   for _ in range(blocks - 1)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        aux = self.layer5(x) if hasattr(self, 'layer5') else None
        return aux, self.layer6(self.layer4(x))


def _randomize(model):
    """Non-trivial weights and BN statistics that keep R101 activations finite
    (``sf_layer`` stays [I | 0], as DA-VSN leaves it)."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.Conv2d) and name != 'sf_layer':
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g)
                               * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                scale = 0.2 if name.endswith('bn3') else 1.0
                m.weight.copy_(scale * (1 + 0.1 * torch.randn(c, generator=g)))
                m.bias.copy_(0.1 * torch.randn(c, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
    return model.eval()


def _tool():
    return load_tool('tools/model_converters/convert_checkpoint.py')


@pytest.fixture(scope='module')
def field():
    torch.manual_seed(0)
    return _randomize(FieldDeepLabV2(NUM_CLASSES, multi_level=True,
                                     score_fusion=True))


@pytest.fixture(scope='module')
def converted(field, tmp_path_factory):
    """The field's multi-level checkpoint (DataParallel keys) through the tool,
    loaded strictly into the model of the base config + auxiliary head."""
    from uda_video.models.utils.convert import build_model_from_config
    work = tmp_path_factory.mktemp('convert')
    cfg = work / 'multilevel.py'
    cfg.write_text(f"_base_ = ['{BASE}']\n"
                   "model = dict(auxiliary_head=dict(_delete_=True, "
                   "**_base_.aux_head))\n")
    src = work / 'davsn_model.pth'
    torch.save(OrderedDict(('module.' + k, v)
                           for k, v in field.state_dict().items()), src)
    dst = work / 'converted.pth'
    assert _tool().main([str(src), str(dst), '--config', str(cfg)]) == 0
    model = build_model_from_config(str(cfg)).eval()
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    model.load_state_dict(ckpt['state_dict'], strict=True)
    return dict(model=model, state=ckpt['state_dict'], work=work)


def _max_rel(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def test_field_checkpoint_gives_the_field_logits(field, converted):
    from mmseg.structures import SegDataSample
    model = converted['model']
    g = torch.Generator().manual_seed(1)
    # An even size: the ceil-mode max-pool gives 9x13 after the stem (not 8x12),
    # so the logits are 5x7 (not 4x6).
    img = torch.randint(0, 256, (3, 32, 48), generator=g, dtype=torch.uint8)
    data = model.data_preprocessor(
        dict(inputs=[img], data_samples=[SegDataSample()]), False)
    with torch.no_grad():
        ours = model(data['inputs'], mode='tensor')
        feats = model.extract_feat(data['inputs'])
        ours_aux = model.auxiliary_head.forward(feats)
        bgr = img.float() - torch.tensor(CAFFE_MEAN).view(3, 1, 1)
        aux, main = field(bgr[None])
    assert ours.shape == main.shape == (1, NUM_CLASSES, 5, 7)
    assert main.abs().max() > 1e-2
    assert _max_rel(ours, main) < 1e-5
    assert _max_rel(ours_aux, aux) < 1e-5


def test_keys_without_module_prefix_convert_the_same(field, converted):
    from uda_video.models.utils.convert import convert_state_dict
    out, layout, notes = convert_state_dict(field.state_dict(),
                                            converted['model'])
    assert layout == 'deeplabv2'
    assert list(out) == list(converted['state'])
    assert all(torch.equal(out[k], converted['state'][k]) for k in out)
    assert any('sf_layer.weight' in n and '[I | 0]' in n for n in notes)


def test_single_level_and_drop_aux(field, converted):
    from uda_video.models.utils.convert import (CheckpointMismatchError,
                                                convert_state_dict)
    # The same model without its auxiliary head (a shallow copy, no rebuild).
    no_aux = copy.copy(converted['model'])
    no_aux._modules = dict(no_aux._modules, auxiliary_head=None)
    state = field.state_dict()
    # AdvEnt single-level (layer6 only) and the original naming (layer5 on stage 4).
    single = OrderedDict((k, v) for k, v in state.items()
                         if not k.startswith(('layer5.', 'sf_layer')))
    renamed = OrderedDict((k.replace('layer6.', 'layer5.'), v)
                          for k, v in single.items())
    for variant in (single, renamed):
        out, _, _ = convert_state_dict(variant, no_aux)
        assert torch.equal(out['decode_head.aspp.3.bias'],
                           state['layer6.conv2d_list.3.bias'])
        assert not any(k.startswith('auxiliary_head') for k in out)
    with pytest.raises(CheckpointMismatchError,
                       match=r'(?s)layer5\.conv2d_list\.0\.weight -> '
                       r'auxiliary_head\.aspp\.0\.weight.*--drop-aux'):
        convert_state_dict(state, no_aux)
    out, _, notes = convert_state_dict(state, no_aux, drop_aux=True)
    assert any('layer5' in n for n in notes)
    with pytest.raises(CheckpointMismatchError,
                       match=r'missing in the checkpoint.*\n.*'
                       r'auxiliary_head\.aspp\.0\.weight'):
        convert_state_dict(single, converted['model'])


def test_imagenet_initialisation_loads_through_init_cfg(field, converted):
    """Keys under 'Scale.', a classifier the field's loaders skip, no BN counters."""
    from uda_video.models.utils.convert import convert_state_dict
    model, work = converted['model'], converted['work']
    src = OrderedDict()
    for k, v in field.state_dict().items():
        if k.startswith(('conv1', 'bn1', 'layer1', 'layer2', 'layer3',
                         'layer4')) and 'num_batches_tracked' not in k:
            src['Scale.' + k] = v + 1.0  # differs from the loaded model
    for i in range(4):
        src[f'Scale.layer5.conv2d_list.{i}.weight'] = torch.zeros(21, 2048, 3, 3)
        src[f'Scale.layer5.conv2d_list.{i}.bias'] = torch.zeros(21)
    out, layout, notes = convert_state_dict(src, model)
    assert layout == 'deeplabv2-imagenet'
    assert any('Scale.' in n for n in notes)
    assert any('layer5.conv2d_list.0.weight' in n for n in notes)
    assert set(out) == {'backbone.' + k for k in model.backbone.state_dict()}
    dst = work / 'deeplabv2_r101_imagenet_caffe.pth'
    torch.save(dict(state_dict=out), dst)
    # The UDA configs' initialisation: Pretrained with prefix='backbone.'.
    model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(dst),
                                   prefix='backbone.')
    model.backbone._is_init = False
    model.backbone.init_weights()
    assert torch.equal(model.backbone.layer3[22].bn2.running_var,
                       src['Scale.layer3.22.bn2.running_var'])
    assert torch.equal(model.backbone.conv1.weight, src['Scale.conv1.weight'])


def test_torchvision_layout_converts_to_the_backbone(field, converted):
    from uda_video.models.utils.convert import convert_state_dict
    # torchvision's ResNet-101 names: conv1, bn1, layer1-4 (downsample.0/1), fc.
    tv = OrderedDict((k, v) for k, v in field.state_dict().items()
                     if not k.startswith(('layer5', 'layer6', 'sf_layer')))
    tv['fc.weight'] = torch.zeros(1000, 2048)
    tv['fc.bias'] = torch.zeros(1000)
    out, layout, notes = convert_state_dict(tv, converted['model'])
    assert layout == 'torchvision'
    assert set(out) == {'backbone.' + k
                        for k in converted['model'].backbone.state_dict()}
    assert any('fc.weight' in n for n in notes)
    assert any("style='pytorch'" in n for n in notes)


def test_mismatching_checkpoints_are_refused_by_name(field, converted):
    from uda_video.models.utils.convert import (CheckpointMismatchError,
                                                convert_state_dict)
    model = converted['model']
    state = field.state_dict()
    bad = OrderedDict(state)
    del bad['layer3.7.bn2.running_var']
    bad['layer4.0.conv4.weight'] = torch.zeros(1)
    bad['layer6.conv2d_list.1.weight'] = torch.zeros(15, 2048, 3, 3)
    with pytest.raises(CheckpointMismatchError) as err:
        convert_state_dict(bad, model, source='bad.pth')
    msg = str(err.value)
    assert 'bad.pth' in msg
    assert 'backbone.layer3.7.bn2.running_var' in msg
    assert 'layer4.0.conv4.weight -> backbone.layer4.0.conv4.weight' in msg
    assert ('layer6.conv2d_list.1.weight -> decode_head.aspp.1.weight: '
            'checkpoint (15, 2048, 3, 3), model (19, 2048, 3, 3)') in msg
    with pytest.raises(CheckpointMismatchError, match="'encoder', 'head'"):
        convert_state_dict({'encoder.w': torch.zeros(1),
                            'head.w': torch.zeros(1)}, model)
    with pytest.raises(CheckpointMismatchError, match='--layout torchvision'):
        convert_state_dict(state, model, layout='torchvision')


def test_trained_score_fusion_is_refused_or_folded(field, converted):
    from uda_video.models.utils.convert import (CheckpointMismatchError,
                                                convert_state_dict)
    model = copy.deepcopy(converted['model'])
    state = OrderedDict(field.state_dict())
    g = torch.Generator().manual_seed(2)
    fusion = torch.randn(NUM_CLASSES, 2 * NUM_CLASSES, 1, 1, generator=g)
    state['sf_layer.weight'] = fusion
    with pytest.raises(CheckpointMismatchError,
                       match=r'sf_layer\.weight is a trained score fusion'):
        convert_state_dict(state, model)
    out, _, _ = convert_state_dict(state, model, fold_score_fusion=True)
    model.load_state_dict(out, strict=True)
    x = torch.randn(1, 3, 32, 32, generator=g) * 50
    with torch.no_grad():
        ours = model(x, mode='tensor')
        _, main = field(x)
    # The current-frame half of the fusion applied to the frame's own scores.
    expected = torch.einsum('ij,njhw->nihw', fusion[:, :NUM_CLASSES, 0, 0],
                            main)
    assert _max_rel(ours, expected) < 1e-5


def test_tool_refuses_a_mismatching_file(field, converted, capsys):
    src = converted['work'] / 'wrong_classes.pth'
    # A few keys suffice: every problem is listed.
    state = OrderedDict(conv1=field.conv1.weight.detach())
    state = OrderedDict((k + '.weight', v) for k, v in state.items())
    for i in range(4):
        state[f'layer6.conv2d_list.{i}.weight'] = torch.zeros(15, 2048, 3, 3)
        state[f'layer6.conv2d_list.{i}.bias'] = torch.zeros(15)
    torch.save(state, src)
    dst = converted['work'] / 'never.pth'
    rc = _tool().main([str(src), str(dst), '--drop-aux'])
    err = capsys.readouterr().err
    assert rc == 1
    assert 'layer6.conv2d_list.3.bias -> decode_head.aspp.3.bias' in err
    assert 'missing in the checkpoint' in err and 'backbone.bn1.weight' in err
    assert not dst.exists()


def test_viper_configs_start_from_the_field_initialisation():
    from mmengine.config import Config
    cfg = Config.fromfile(
        f'{REPO}/configs/uda/viper2cityscapes/source-only_deeplabv2-caffe_r101-d8_viper2cityscapes.py')
    seg = cfg.model.segmentor
    assert seg.backbone.type == 'DeepLabV2ResNet'
    assert seg.backbone.init_cfg == dict(
        type='Pretrained', checkpoint='checkpoints/deeplabv2_r101_imagenet_caffe.pth',
        prefix='backbone.')
    assert seg.data_preprocessor.mean == list(CAFFE_MEAN)
    assert seg.data_preprocessor.std == [1.0, 1.0, 1.0]
    assert seg.data_preprocessor.bgr_to_rgb is False
