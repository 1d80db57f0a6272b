"""Temporal-consistency distillation student and frozen-teacher loading."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from helpers import REPO
from uda_video.models.flow import BaseFlowSource
from uda_video.registry import MODELS
from uda_video.models.utils import build_frozen_model, load_frozen_model

NUM_CLASSES = 3
BACKBONE = dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=4,
                out_indices=(3, ), dilations=(1, 1, 2, 4),
                strides=(1, 2, 1, 1), contract_dilation=True)
HEAD = dict(type='PSPHead', in_channels=32, in_index=0, channels=8,
            pool_scales=(1, 2), num_classes=NUM_CLASSES,
            norm_cfg=dict(type='BN'))
PER_FRAME = dict(type='ClipEncoderDecoder', backbone=BACKBONE,
                 decode_head=HEAD, test_cfg=dict(mode='whole'))
TEACHER = dict(PER_FRAME, type='EncoderDecoder',
               backbone=dict(BACKBONE, base_channels=8),
               decode_head=dict(HEAD, in_channels=64, channels=16))


class TinyFlowNet(BaseFlowSource):
    """A random flow regressor at 1/4 scale, finest first (conventions.md)."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(6, 8, 3, stride=2, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 2, 3, stride=2, padding=1)

    def forward(self, img1, img2):
        x = torch.relu(self.conv1(torch.cat([img1, img2], 1)))
        return [3.0 * self.conv2(x)]

    def estimate(self, target, source, data_samples=None):
        return self(target, source)[0]


MODELS.register_module(name='TCDTestTinyFlowNet', module=TinyFlowNet,
                       force=True)


def build(cfg):
    """Build as the runner does: from a ConfigDict (attribute access)."""
    return MODELS.build(ConfigDict(copy.deepcopy(cfg)))


def save_ckpt(model, path):
    torch.save(dict(state_dict=model.state_dict(), meta={}), str(path))
    return str(path)


def student_cfg(**extra):
    cfg = copy.deepcopy(PER_FRAME)
    cfg.update(type='TemporalDistillSegmentor', **extra)
    return cfg


def samples(n, flow=None, back=None, h=32, w=32):
    out = []
    for i in range(n):
        s = SegDataSample(metainfo=dict(
            video_id='v', frame_id=3, img_shape=(h, w), ori_shape=(h, w),
            pad_shape=(h, w), frame_offsets=[0, -1], is_labelled=True,
            img_path=f'v/{i}.png'))
        s.gt_sem_seg = PixelData(data=torch.randint(0, NUM_CLASSES, (1, h, w)))
        if flow is not None:
            s.gt_flow = flow[i:i + 1] if flow.dim() == 4 else flow
        if back is not None:
            s.gt_flow_back = back[i:i + 1]
        out.append(s)
    return out


@pytest.fixture
def teacher_ckpt(tmp_path):
    return save_ckpt(build(copy.deepcopy(TEACHER)),
                     tmp_path / 'teacher.pth')


def test_all_losses_backpropagate_to_student_only(teacher_ckpt):
    model = build(student_cfg(teacher_config=copy.deepcopy(TEACHER),
                                     teacher_checkpoint=teacher_ckpt)).train()
    clips = torch.randn(2, 2, 3, 32, 32)
    flow = torch.zeros(2, 2, 32, 32)
    flow[:, 0] = 1.5
    losses = model.loss(clips, samples(2, flow))
    names = {'loss_temporal', 'loss_pixel_kd', 'loss_pair_kd',
             'loss_motion_kd'}
    assert names <= set(losses)
    for name in names:
        assert float(losses[name].detach()) > 0, name
    sum(losses[n] for n in names).backward()
    assert model.backbone.stem[0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.teacher.module.parameters())
    # The student's checkpoint is a plain per-frame model's: no extra keys.
    plain = build(copy.deepcopy(PER_FRAME))
    plain.load_state_dict(model.state_dict(), strict=True)


def test_distillation_zero_when_student_equals_teacher(tmp_path):
    """Teacher = a copy of the student: every distillation loss vanishes."""
    student = build(student_cfg())
    ckpt = save_ckpt(student, tmp_path / 'self.pth')
    model = build(student_cfg(teacher_config=copy.deepcopy(PER_FRAME),
                                     teacher_checkpoint=ckpt))
    model.load_state_dict(student.state_dict())
    model.eval()  # same BN statistics as the frozen teacher
    flow = torch.randn(1, 2, 32, 32)
    losses = model.loss(torch.randn(1, 2, 3, 32, 32), samples(1, flow))
    for name in ('loss_pixel_kd', 'loss_pair_kd', 'loss_motion_kd'):
        assert float(losses[name].detach()) == pytest.approx(0, abs=1e-6), name
    # A different student gets positive losses from the same teacher.
    for p in model.decode_head.parameters():
        p.data.add_(0.5 * torch.randn_like(p))
    losses = model.loss(torch.randn(1, 2, 3, 32, 32), samples(1, flow))
    for name in ('loss_pixel_kd', 'loss_pair_kd', 'loss_motion_kd'):
        assert float(losses[name]) > 1e-6, name


def test_temporal_loss_zero_for_identical_frames_and_grows_with_shift():
    model = build(student_cfg()).eval()
    # A smooth frame, so that scores change gradually with the shift.
    frame = torch.nn.functional.interpolate(
        torch.randn(1, 3, 4, 4), size=(32, 32), mode='bilinear',
        align_corners=False).unsqueeze(1)
    zero = torch.zeros(1, 2, 32, 32)
    same = model.loss(torch.cat([frame, frame], 1), samples(1, zero))
    assert float(same['loss_temporal']) == pytest.approx(0, abs=1e-10)
    values = []
    for shift in (2, 8):
        moved = torch.roll(frame, shifts=shift, dims=-1)
        losses = model.loss(torch.cat([frame, moved], 1), samples(1, zero))
        values.append(float(losses['loss_temporal']))
    assert 0 < values[0] < values[1]


def test_gt_flow_back_gives_fb_occlusion_mask():
    model = build(student_cfg())
    fw = torch.zeros(1, 2, 32, 32)
    fw[:, 0] = 4.0
    bw_ok, bw_bad = -fw, fw.clone()
    clips = torch.randn(1, 2, 3, 32, 32)
    _, mask_ok = model._flows(clips, samples(1, fw, bw_ok), (8, 8))
    _, mask_bad = model._flows(clips, samples(1, fw, bw_bad), (8, 8))
    _, mask_none = model._flows(clips, samples(1, fw), (8, 8))
    # u = 1 px at 1/4 scale: the last column leaves the frame.
    assert mask_ok[0, 0, :, :-1].all() and not mask_ok[0, 0, :, -1].any()
    torch.testing.assert_close(mask_none, mask_ok)
    assert not mask_bad.any()


def test_missing_gt_flow_is_named():
    model = build(student_cfg()).train()
    with pytest.raises(KeyError, match=r'v/0.png has no gt_flow'):
        model.loss(torch.randn(2, 2, 3, 32, 32), samples(2))
    with pytest.raises(ValueError, match=r'previous frame'):
        model.loss(torch.randn(1, 1, 3, 32, 32), samples(1))


def test_flow_net_source(tmp_path):
    flow_cfg = dict(type='TCDTestTinyFlowNet')
    ckpt = save_ckpt(build(flow_cfg), tmp_path / 'flow.pth')
    model = build(student_cfg(flow_source='net', flow_net=flow_cfg,
                                     flow_net_checkpoint=ckpt)).train()
    losses = model.loss(torch.randn(2, 2, 3, 32, 32), samples(2))
    assert float(losses['loss_temporal']) > 0
    losses['loss_temporal'].backward()
    assert all(p.grad is None for p in model.flow_source.network.module.parameters())


def test_frozen_flow_source_config_equals_the_old_settings(tmp_path):
    flow_cfg = dict(type='TCDTestTinyFlowNet')
    ckpt = save_ckpt(build(flow_cfg), tmp_path / 'flow.pth')
    torch.manual_seed(0)
    old = build(student_cfg(flow_source='net', flow_net=flow_cfg,
                            flow_net_checkpoint=ckpt))
    torch.manual_seed(0)
    new = build(student_cfg(flow_source=dict(
        type='FrozenFlow', network=flow_cfg, checkpoint=ckpt)))
    assert set(new.state_dict()) == set(build(PER_FRAME).state_dict())
    clips = torch.randn(2, 2, 3, 32, 32)
    (fw_old, m_old), (fw_new, m_new) = (
        m._flows(clips, samples(2), (8, 8)) for m in (old, new))
    torch.testing.assert_close(fw_new, fw_old)
    torch.testing.assert_close(m_new, m_old)
    assert 0 < float(m_new.mean()) < 1  # fb check on the net's own flows
    with pytest.raises(ValueError, match="'raft'"):
        build(student_cfg(flow_source='raft'))


def test_inference_is_the_plain_per_frame_model():
    model = build(student_cfg()).eval()
    plain = build(copy.deepcopy(PER_FRAME)).eval()
    plain.load_state_dict(model.state_dict())
    x = torch.randn(1, 1, 3, 32, 32)
    s = samples(1)
    with torch.no_grad():
        torch.testing.assert_close(
            model.predict(x, s)[0].seg_logits.data,
            plain.predict(x, samples(1))[0].seg_logits.data)


def test_teacher_loading_from_config_file(tmp_path, teacher_ckpt):
    cfg_file = tmp_path / 'teacher_cfg.py'
    cfg_file.write_text(f'model = {TEACHER!r}\n')
    teacher = build_frozen_model(str(cfg_file), teacher_ckpt)
    saved = torch.load(teacher_ckpt)['state_dict']
    for k, v in teacher.module.state_dict().items():
        torch.testing.assert_close(v, saved[k])
    assert not teacher.module.training
    assert not any(p.requires_grad for p in teacher.module.parameters())


def test_teacher_checkpoint_mismatch_names_keys(tmp_path, teacher_ckpt):
    state = torch.load(teacher_ckpt)['state_dict']
    state.pop('decode_head.conv_seg.weight')
    state['extra.weight'] = torch.zeros(1)
    bad = tmp_path / 'bad.pth'
    torch.save(dict(state_dict=state), str(bad))
    with pytest.raises(ValueError) as err:
        load_frozen_model(copy.deepcopy(TEACHER), str(bad))
    msg = str(err.value)
    assert 'decode_head.conv_seg.weight' in msg and 'extra.weight' in msg
    assert str(bad) in msg
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        load_frozen_model(copy.deepcopy(TEACHER), str(tmp_path / 'nowhere.pth'))
    with pytest.raises(FileNotFoundError, match='no_cfg.py'):
        load_frozen_model(str(tmp_path / 'no_cfg.py'), teacher_ckpt)


def test_synthetic_config_distils_the_plain_baseline_student():
    """The distilled student and the plainly trained one are the same model."""
    tcd = Config.fromfile(
        osp.join(REPO, 'configs/tcd/tcd_pspnet_r18-half-d8_synthetic.py'))
    plain = Config.fromfile(
        osp.join(REPO, 'configs/tdnet/per-frame_pspnet_r18-half-d8_synthetic.py'))
    assert tcd.model.type == 'TemporalDistillSegmentor'
    assert tcd.model.backbone == plain.model.backbone
    assert tcd.model.decode_head == plain.model.decode_head
    ds = tcd.train_dataloader.dataset
    assert ds.frame_offsets == [0, -1] and ds.load_flow
    assert plain.train_dataloader.dataset.type == ds.type
    assert plain.train_dataloader.dataset.data_root == ds.data_root


def test_clip_with_gt_flow_back_masks_occlusions(tmp_path):
    """A synthetic clip with load_flow_back: the fb mask drops occluded pixels."""
    import numpy as np
    from mmengine.registry import DefaultScope

    import uda_video.datasets  # noqa: F401
    from uda_video.datasets import VIPERDataset
    from uda_video.datasets.synthetic import write_benchmark
    from uda_video.ops import flow_warp, in_frame_mask
    write_benchmark(str(tmp_path), videos=4, frames=6, height=32, width=64,
                    seed=0, progress=False)
    kw = dict(data_root=str(tmp_path / 'viper'), split='train',
              frame_offsets=[0, -1], load_flow=True)
    with DefaultScope.overwrite_default_scope('uda_video'):
        packed = VIPERDataset(load_flow_back=True, pipeline=[
            dict(type='LoadClip'), dict(type='PackClipInputs')], **kw)[3]
        no_back = VIPERDataset(pipeline=[
            dict(type='LoadClip'), dict(type='PackClipInputs')], **kw)[3]
        loaded = VIPERDataset(pipeline=[dict(type='LoadClip')], **kw)[3]
    assert loaded['frame_offsets'] == [0, -1]
    sample = packed['data_samples']
    assert 'gt_flow_back' in sample and 'gt_flow_back' not in no_back['data_samples']
    model = build(student_cfg())
    clips = packed['inputs'][None].float()
    fw, mask = model._flows(clips, [sample], (32, 64))
    fw_plain, mask_plain = model._flows(clips, [no_back['data_samples']],
                                        (32, 64))
    torch.testing.assert_close(fw, fw_plain)
    torch.testing.assert_close(mask_plain,
                               in_frame_mask(fw).unsqueeze(1).to(fw.dtype))
    kept, plain = mask[0, 0].bool().numpy(), mask_plain[0, 0].bool().numpy()
    # Only the fb mask drops in-frame pixels: those the moving objects occlude.
    occluded = plain & ~kept
    assert occluded.sum() > 50 and not (kept & ~plain).any()
    # The reference label warped onto the key agrees where the fb mask keeps
    # pixels and mostly not where it drops them.
    key, ref = loaded['gt_seg_map']
    warped = flow_warp(torch.from_numpy(ref)[None, None].float(), fw,
                       mode='nearest')[0, 0].numpy()
    agree = warped == key
    assert agree[kept].mean() > 0.98 and agree[occluded].mean() < 0.5
    # Training runs on such samples (eval: BN of a batch of 1).
    model.eval()
    sample.gt_sem_seg = PixelData(data=sample.gt_sem_seg.data % NUM_CLASSES)
    assert torch.isfinite(model.loss(clips, [sample])['loss_temporal'])
