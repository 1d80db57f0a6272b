"""UDA methods adapt video segmentors through the seam (clip_logits,
logit_losses, clip_losses, clip_sampling): one training iteration of each
adapted synthetic config on the tiny benchmark runs the segmentor's own
path."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import REPO
from uda_helpers import (collate, make_clip, one_iteration_config,
                         tiny_segmentor)

CONFIGS = 'configs/uda/synthetic/{}.py'
DFF = 'dff_deeplabv2_r18-half-d8_flownets_synthetic'
TDNET = 'tdnet_td4-psp18_synthetic'
TCD = 'tcd_pspnet_r18-half-d8_synthetic'
ACCEL = ('projects/accel_fusion/configs/video-dacs_accel_deeplabv2_r18-half-'
         'd8_fcn_r18-quarter-d8_flownets_synthetic.py')


@pytest.fixture(scope='module')
def tcd_teacher(tmp_path_factory):
    """A small random PSPNet standing in for the TCD student's teacher."""
    from uda_video.registry import MODELS
    cfg = dict(
        type='EncoderDecoder',
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                      base_channels=8, out_indices=(3, ),
                      dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1)),
        decode_head=dict(type='PSPHead', in_channels=64, in_index=0,
                         channels=16, pool_scales=(1, 2), num_classes=15),
        test_cfg=dict(mode='whole'))
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp('teacher')
    Config(dict(model=cfg)).dump(str(folder / 'teacher.py'))
    torch.save(dict(state_dict=MODELS.build(cfg).state_dict(), meta={}),
               folder / 'teacher.pth')
    return dict(teacher_config=str(folder / 'teacher.py'),
                teacher_checkpoint=str(folder / 'teacher.pth'))


def config_path(name):
    """A config of configs/uda/synthetic by name, or a path from the
    repository root."""
    return osp.join(REPO, name if name.endswith('.py') else
                    CONFIGS.format(name))


def shrink(node, size):
    """Crops and preprocessor sizes of 128 x 128 -> ``size`` (in place)."""
    items = node.items() if hasattr(node, 'items') else enumerate(node)
    for key, value in list(items):
        if isinstance(value, (tuple, list)) and list(value) == [128, 128]:
            node[key] = size
        elif isinstance(value, (dict, list)):
            shrink(value, size)


def one_iteration(name, root, work_dir, segmentor=None, batch_size=1,
                  model=None, crop=None):
    """Train ``name`` one iteration on the tiny benchmark.

    ``name``: see :func:`config_path`. Returns (model, parameters before,
    train/* scalars of the iteration).
    """
    cfg = Config.fromfile(config_path(name))
    one_iteration_config(cfg, root, batch_size)
    if segmentor:  # overrides merged into the segmentor's own config
        cfg.model.segmentor.update(segmentor)
    if model:  # overrides of the UDA method's arguments
        cfg.model.update(model)
    if crop:  # smaller training crops (the segmentor's preprocessor too)
        shrink(cfg._cfg_dict, crop)
        cfg.model.segmentor.data_preprocessor = dict(size=crop)
    cfg.work_dir = str(work_dir)
    cfg.load_from = None
    runner = Runner.from_cfg(cfg)
    model = runner.model
    # The dataset's clips fit what the segmentor asks for (its clip_sampling).
    domains = ('source', 'target') if model.source_loss_weight else (
        'target', )
    for domain in domains:
        # (DACS's source clips are segmented for their key frame only)
        frames = 1 if domain == 'source' and hasattr(
            model, 'mix_frames') else model.num_frames
        model.segmentor.clip_sampling.check(
            cfg.train_dataloader.dataset[domain].frame_offsets, frames)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    runner.train()
    scalars = {k[len('train/'):]: v.current()
               for k, v in runner.message_hub.log_scalars.items()
               if k.startswith('train/') and 'loss' in k}
    assert scalars and all(math.isfinite(v) for v in scalars.values()), \
        scalars
    return model, before, scalars


def changed(model, before, prefix):
    return [n for n, p in model.named_parameters()
            if n.startswith(prefix) and not torch.equal(p.detach(), before[n])]


@pytest.mark.parametrize('method', ['vat', 'vat2vst'])
def test_adapted_dff_trains_its_flow_network(method, tiny_synthetic,
                                             tmp_path):
    model, before, scalars = one_iteration(f'{method}_{DFF}', tiny_synthetic,
                                           tmp_path)
    assert type(model.segmentor).__name__ == 'DFFSegmentor'
    assert model.segmentor.test_cfg['key_frame_interval'] == 5
    # The student's loss went through the propagated features.
    assert changed(model, before, 'segmentor.flow_source.')
    assert changed(model, before, 'segmentor.scale_field.')
    if method == 'vat':
        assert 'tgt.adv_seg.loss' in scalars and 'disc.loss' in scalars
    else:
        assert 'tgt.pseudo.loss' in scalars


def test_adapted_tdnet_runs_every_sub_network(tiny_synthetic, tmp_path,
                                              monkeypatch):
    from uda_video.models.segmentors import TDNet
    calls = []
    original = TDNet.clip_logits

    def counting(self, clips, num_frames, with_aux=False):
        calls.append((clips.shape[1], num_frames))
        return original(self, clips, num_frames, with_aux)

    monkeypatch.setattr(TDNet, 'clip_logits', counting)
    # (PSP pooling to 1 x 1 needs two samples for BN batch statistics)
    model, before, scalars = one_iteration(f'vat_{TDNET}', tiny_synthetic,
                                           tmp_path, batch_size=2)
    # Source and target stacks of frames t and t-1, each composed from 4.
    assert calls == [(5, 2), (5, 2)]
    # Every sub-network of the student ran and was stepped.
    for k in range(4):
        assert changed(model, before, f'segmentor.paths.{k}.'), k
    assert changed(model, before, 'segmentor.apm.')
    assert 'tgt.adv_seg.loss' in scalars


def test_adapted_tcd_student_keeps_its_temporal_and_kd_losses(
        tiny_synthetic, tmp_path, tcd_teacher):
    model, before, scalars = one_iteration(
        f'vat_{TCD}', tiny_synthetic, tmp_path,
        segmentor=tcd_teacher, batch_size=2)
    assert type(model.segmentor).__name__ == 'TemporalDistillSegmentor'
    assert {'src.loss_temporal', 'src.loss_pixel_kd', 'src.loss_pair_kd',
            'src.loss_motion_kd', 'src.decode.loss_ce',
            'tgt.adv_seg.loss'} <= set(scalars)
    assert scalars['src.loss_temporal'] > 0


# network: (config, segmentor type, clip indices of the source and target
# frames mixed, batch size). PSP pooling to 1 x 1 (TDNet, TCD) needs two
# samples for BN batch statistics.
VIDEO_DACS = {
    'dff': (f'video-dacs_{DFF}', 'DFFSegmentor', ([0, 1], [0, 3]), 1),
    'tdnet': (f'video-dacs_{TDNET}', 'TDNet', ([0, 1, 2, 3], [0, 1, 2, 3]),
              2),
    'tcd': (f'video-dacs_{TCD}', 'TemporalDistillSegmentor', ([0], [0]), 2),
    'accel': (ACCEL, 'AccelSegmentor', ([0, 1], [0, 3]), 1),
}


@pytest.mark.parametrize('network', list(VIDEO_DACS))
def test_video_dacs_mixes_every_frame_the_student_reads(
        network, tiny_synthetic, tmp_path, monkeypatch, request):
    """One iteration of video DACS on each video segmentor: the student gets
    the mixed clip it segments from (DFF/Accel: frame t and its key frame;
    TDNet: t and the 3 before it), every frame mixed with the one mask."""
    from uda_video.models.uda import dacs
    from uda_video.models.uda.base import segmentor_config
    from uda_video.registry import MODELS
    name, seg_type, (src_idx, tgt_idx), batch_size = VIDEO_DACS[network]
    # (reading the segmentor's config runs a plug-in's custom_imports)
    seg_cfg = segmentor_config(
        Config.fromfile(config_path(name)).model.segmentor)
    assert seg_cfg.type == seg_type
    seg_cls = MODELS.get(seg_type)
    calls, masks = [], []
    original, draw = seg_cls.clip_logits, dacs.class_mix_masks

    def recording(self, clips, num_frames, with_aux=False):
        calls.append((clips.detach().clone(), num_frames))
        return original(self, clips, num_frames, with_aux)

    def recording_masks(labels, *args, **kwargs):
        masks.append(draw(labels, *args, **kwargs))
        return masks[-1]

    monkeypatch.setattr(seg_cls, 'clip_logits', recording)
    monkeypatch.setattr(dacs, 'class_mix_masks', recording_masks)
    segmentor = (request.getfixturevalue('tcd_teacher')
                 if network == 'tcd' else None)
    # (no photometric augmentation: the student's clip is the mixed one)
    model, before, scalars = one_iteration(
        name, tiny_synthetic, tmp_path, segmentor=segmentor,
        batch_size=batch_size, model=dict(jitter_prob=0.0, blur_prob=0.0),
        crop=(64, 64))
    assert type(model.segmentor).__name__ == seg_type
    assert scalars['mix.loss'] > 0
    assert any(k.startswith('src.') for k in scalars), scalars
    # Source (its key frame), teacher (t, t-1, t+1 or t-2), student (mixed).
    assert [f for _, f in calls] == [1, 3, 1]
    src, tgt, mixed = (c for c, _ in calls)
    assert mixed.shape[1:] == (len(tgt_idx), 3, 64, 64)
    mask = masks[0][:, None].to(mixed.device)
    assert 0 < mask.float().mean() < 1
    for j, (i, k) in enumerate(zip(src_idx, tgt_idx)):
        expected = torch.where(mask, src[:, i], tgt[:, k])
        assert torch.allclose(mixed[:, j], expected, atol=1e-4), j
    if network == 'tcd':
        assert scalars['src.loss_temporal'] > 0
    if network in ('dff', 'accel'):  # its flow network is trained too
        assert changed(model, before, 'segmentor.flow_source.')


def test_adapted_configs_name_their_segmentor_and_fit_its_clips():
    from uda_video.models.uda.base import segmentor_config
    from uda_video.registry import MODELS
    paths = sorted(glob.glob(osp.join(REPO, CONFIGS.format('*_dff_*'))) +
                   glob.glob(osp.join(REPO, CONFIGS.format('*_tdnet_*'))) +
                   glob.glob(osp.join(REPO, CONFIGS.format('*_tcd_*'))))
    assert len(paths) == 12
    for path in paths:
        cfg = Config.fromfile(path)
        seg_cfg = segmentor_config(cfg.model.segmentor)
        assert seg_cfg.type in ('DFFSegmentor', 'TDNet',
                                'TemporalDistillSegmentor'), path
        # Stateful models are tested frame by frame, in order.
        assert cfg.val_dataloader.sampler.type == 'VideoSampler', path
        if seg_cfg.type == 'TemporalDistillSegmentor':
            continue  # (its teacher checkpoint is trained first)
        segmentor = MODELS.build(seg_cfg)
        frames = cfg.model.get('num_frames', 1)
        segmentor.clip_sampling.check(
            cfg.train_dataloader.dataset.target.frame_offsets
            if 'source-only' not in path else
            cfg.train_dataloader.dataset.source.frame_offsets,
            frames if 'source-only' not in path else 1)
        if 'mix_frames' in cfg.model:  # DACS: source key frames only
            segmentor.clip_sampling.check(
                cfg.train_dataloader.dataset.source.frame_offsets, 1)


def test_a_segmentor_without_the_seam_is_refused_by_name():
    from uda_video.registry import MODELS
    cfg = tiny_segmentor()
    cfg['type'] = 'EncoderDecoder'  # mmseg's: no clip_logits
    model = MODELS.build(dict(type='UDASegmentor', segmentor=cfg))
    batch = collate([dict(source=dict(inputs=c, data_samples=s),
                          target=dict(inputs=c, data_samples=s))
                     for c, s in [make_clip(0)]])
    with pytest.raises(NotImplementedError,
                       match=r'EncoderDecoder cannot serve clip_logits'):
        model.frame_outputs(batch['source']['inputs'], 1)
    with pytest.raises(NotImplementedError,
                       match=r'EncoderDecoder cannot serve logit_losses'):
        model.supervised_losses({}, batch['source']['data_samples'])


def test_clip_sampling_refuses_clips_a_segmentor_cannot_use():
    from uda_video.models.segmentors import ClipSampling
    dff = ClipSampling(owner='DFFSegmentor', extra_frames=1,
                       description='key frame last')
    dff.check([0, -1, [-5, -1]], 2)
    with pytest.raises(ValueError, match=r'DFFSegmentor segments 2 frame\(s\) '
                       r'of a clip from 3 frames \(key frame last\); '
                       r'frame_offsets \[0, -1\]'):
        dff.check([0, -1], 2)
    tdnet = ClipSampling(owner='TDNet', extra_frames=3, consecutive=-1)
    tdnet.check([0, -1, -2, -3, -4], 2)
    tdnet.check([0, -1, -1, -1, -1], 2)  # clamped at a video's start
    with pytest.raises(ValueError, match=r'TDNet needs frame_offsets starting '
                       r'\[0, -1, -2, -3, -4\]'):
        tdnet.check([0, -1, 1, -2, -3], 2)
    with pytest.raises(ValueError, match='ranges'):
        tdnet.check([0, [-2, -1], -2, -3], 1)
