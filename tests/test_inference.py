"""Inference on every checkpoint kind through the config's test pipeline.

Frames of the tiny benchmark are 64x128; the test pipeline here resizes them
to 48x96, so the model must see 48x96 and the outputs must come back at
64x128. Per kind (per-frame, DFF, Clockwork, TDNet, the TCD student, a UDA
wrapper, the Accel plug-in) a checkpoint is written by the test.
"""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from helpers import run_tool

PER_FRAME = 'configs/synthetic/source-only_deeplabv2_r18-half-d8_synthetic.py'
DFF = 'configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
CLOCKWORK = 'configs/clockwork/clockwork-alternating_deeplabv3plus_r18-half-d8_synthetic.py'
TDNET = 'configs/tdnet/tdnet_td4-psp18_synthetic.py'
TCD = 'configs/tcd/tcd_pspnet_r18-half-d8_synthetic.py'
VAT = 'configs/uda/synthetic/vat_deeplabv2_r18-half-d8_synthetic.py'
ACCEL = 'projects/accel_fusion/configs/accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py'
FRAME_HW = (64, 128)  # tiny_synthetic frames
TEST_HW = (48, 96)  # the test pipeline's scale below
NUM_CLASSES = 15


def resized_pipeline(load_panoptic=False):
    return [
        dict(type='LoadClip', load_panoptic=load_panoptic),
        dict(type='ClipBroadcaster', transforms=[
            dict(type='FlowAwareResize', scale=TEST_HW[::-1],
                 keep_ratio=False)]),
        dict(type='PackClipInputs'),
    ]


def tiny_config(config, data_root, **model_test_cfg):
    """``config`` on the tiny benchmark, its test pipeline at TEST_HW."""
    from uda_video.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = str(data_root / 'cityscapes_vps')
    dataset.pipeline = resized_pipeline(
        dataset.pipeline[0].get('load_panoptic', False))
    if model_test_cfg:
        cfg.model.test_cfg.update(model_test_cfg)
    return cfg


def write_checkpoint(cfg, path, drop_teacher=False):
    from uda_video.registry import MODELS
    model_cfg = cfg.model.copy()
    if drop_teacher:
        model_cfg.update(teacher_config=None, teacher_checkpoint=None)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), str(path))
    return str(path)


@pytest.fixture(scope='module')
def video(tiny_synthetic, tmp_path_factory):
    """A folder with the frames of the first val video, and its name glob."""
    img_dir = tiny_synthetic / 'cityscapes_vps' / 'val' / 'img_all'
    names = sorted(os.listdir(img_dir))
    vid = names[0].split('_')[0]  # {vid}_{fid}_{city}_{seq}_{frame}_...
    frames = [n for n in names if n.split('_')[0] == vid]
    out = tmp_path_factory.mktemp('frames')
    for n in frames:
        shutil.copy(img_dir / n, out / n)
    return dict(dir=out, names=[osp.splitext(n)[0] for n in frames],
                root=tiny_synthetic)


def record_inputs(module):
    """Forward hook on ``module`` recording the H x W of its inputs."""
    shapes = []
    module.register_forward_hook(
        lambda m, args, out: shapes.append(tuple(args[0].shape[-2:])))
    return shapes


def run_inference(cfg, ckpt, frames_dir, hooked=('backbone', )):
    from uda_video.apis import init_segmenter, read_frames, segment_video
    segmenter = init_segmenter(cfg, ckpt)
    seg = segmenter.model
    seg = getattr(seg, 'segmentor', seg)
    shapes = []
    for name in hooked:
        shapes.append(record_inputs(seg.get_submodule(name)))
    source = read_frames(str(frames_dir))
    out = list(segment_video(segmenter, source.frames, 'v0'))
    return segmenter, out, shapes


def check_outputs(out, names):
    assert [o[0] for o in out] == names
    for _, frame, label, _ in out:
        assert frame.shape[:2] == FRAME_HW
        assert label.shape == FRAME_HW
        assert label.min() >= 0 and label.max() < NUM_CLASSES


@pytest.mark.parametrize('config,hooked,extra', [
    (DFF, ('backbone', 'flow_source'), dict(key_frame_interval=3)),
    (CLOCKWORK, ('backbone.stem', ), {}),
    (TDNET, ('paths.0', ), {}),
    (VAT, ('backbone', ), {}),
    (ACCEL, ('backbone', 'update_backbone'), dict(key_frame_interval=3)),
], ids=['dff', 'clockwork', 'tdnet', 'uda-vat', 'accel-plugin'])
def test_every_kind_sees_the_test_scale(config, hooked, extra, video,
                                        tmp_path):
    cfg = tiny_config(config, video['root'], **extra)
    ckpt = write_checkpoint(cfg, tmp_path / 'model.pth')
    segmenter, out, shapes = run_inference(cfg, ckpt, video['dir'], hooked)
    check_outputs(out, video['names'])
    assert segmenter.num_classes == NUM_CLASSES
    assert len(segmenter.palette) == NUM_CLASSES
    # every network input is at the test scale (the flow net of DFF/Accel
    # runs at half of it: flow_input_scale=0.5)
    for name, seen in zip(hooked, shapes):
        assert seen, name
        want = TEST_HW if 'flow' not in name else (
            TEST_HW[0] // 2, TEST_HW[1] // 2)
        assert set(seen) == {want}, (name, seen)
    if 'key_frame_interval' in extra:  # the state is carried across frames
        keys = [bool(m.get('is_key_frame')) for *_, m in out]
        assert keys == [t % 3 == 0 for t in range(len(out))]
        assert len(shapes[0]) == sum(keys)  # deep network on key frames only


def test_tcd_student_without_its_teacher(video, tmp_path):
    """The teacher serves training only: inference drops it when absent."""
    cfg = tiny_config(TCD, video['root'])
    assert not osp.isfile(cfg.model.teacher_checkpoint)
    ckpt = write_checkpoint(cfg, tmp_path / 'tcd.pth', drop_teacher=True)
    segmenter, out, shapes = run_inference(cfg, ckpt, video['dir'])
    assert segmenter.dropped == ['model.teacher_config']
    check_outputs(out, video['names'])
    assert set(shapes[0]) == {TEST_HW}


def test_dff_equals_the_dataset_path(video, tmp_path):
    """Inference on a folder = the model on the test dataset's samples in
    VideoSampler order (what tools/test.py feeds it)."""
    from uda_video.registry import DATASETS
    cfg = tiny_config(DFF, video['root'], key_frame_interval=2)
    ckpt = write_checkpoint(cfg, tmp_path / 'dff.pth')
    segmenter, out, _ = run_inference(cfg, ckpt, video['dir'])
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    first = dataset.video_sample_indices()[0]
    model = segmenter.model
    model.eval()
    expected = []
    with torch.no_grad():
        for idx in first:
            data = dataset[idx]
            assert tuple(data['inputs'].shape[-2:]) == TEST_HW
            (res, ) = model.test_step(dict(inputs=[data['inputs']],
                                           data_samples=[data['data_samples']]))
            expected.append(res.pred_sem_seg.data[0].numpy())
    assert len(expected) == len(out)
    for (name, _, label, _), want in zip(out, expected):
        np.testing.assert_array_equal(label, want, err_msg=name)


@pytest.fixture(scope='module')
def per_frame_run(video, tmp_path_factory):
    """tools/misc/inference.py on the per-frame model: PNGs, an MP4, labels."""
    root = tmp_path_factory.mktemp('per_frame')
    cfg = tiny_config(PER_FRAME, video['root'])
    config = root / 'config.py'
    cfg.dump(str(config))
    ckpt = write_checkpoint(cfg, root / 'per_frame.pth')
    outs = dict(frames=root / 'seg', mp4=root / 'seg.mp4',
                labels=root / 'labels')
    proc = run_tool(['tools/misc/inference.py', str(config), ckpt,
                     str(video['dir']), '--out', str(outs['frames']),
                     str(outs['mp4']), '--out-labels', str(outs['labels']),
                     '--opacity', '1', '--video-id', 'v0'])
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return dict(cfg=cfg, ckpt=ckpt, proc=proc, config=str(config), **outs)


def test_tool_writes_frames_video_and_labels(per_frame_run, video):
    names = video['names']
    assert sorted(os.listdir(per_frame_run['frames'])) == [
        n + '.png' for n in names]
    assert sorted(os.listdir(per_frame_run['labels'])) == [
        n + '.png' for n in names]
    from uda_video.datasets.classes import SHARED_15_PALETTE
    palette = np.asarray(SHARED_15_PALETTE, np.uint8)
    for n in names:
        label = cv2.imread(str(per_frame_run['labels'] / (n + '.png')),
                           cv2.IMREAD_UNCHANGED)
        assert label.shape == FRAME_HW and label.dtype == np.uint8
        assert label.max() < NUM_CLASSES
        colour = cv2.imread(str(per_frame_run['frames'] / (n + '.png')))
        np.testing.assert_array_equal(colour[..., ::-1], palette[label])
    cap = cv2.VideoCapture(str(per_frame_run['mp4']))
    count = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        assert img.shape[:2] == FRAME_HW
        count += 1
    cap.release()
    assert count == len(names)
    stdout = per_frame_run['proc'].stdout
    assert f"wrote {len(names)} frames of video 'v0'" in stdout
    assert 'ETA' not in stdout  # no progress bar without a terminal


def test_tool_labels_equal_the_dataset_path(per_frame_run, video):
    """The per-frame model on the test dataset's samples gives the labels
    the tool wrote."""
    from uda_video.apis import init_segmenter
    from uda_video.registry import DATASETS
    cfg = per_frame_run['cfg']
    model = init_segmenter(cfg, per_frame_run['ckpt']).model
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    by_name = {osp.splitext(osp.basename(dataset.get_data_info(i)['img_path']))[0]: i
               for i in range(len(dataset))}
    checked = 0
    with torch.no_grad():
        for n in video['names']:
            if n not in by_name:
                continue  # the per-frame test set holds labelled frames only
            data = dataset[by_name[n]]
            (res, ) = model.test_step(dict(inputs=[data['inputs']],
                                           data_samples=[data['data_samples']]))
            label = cv2.imread(str(per_frame_run['labels'] / (n + '.png')),
                               cv2.IMREAD_UNCHANGED)
            np.testing.assert_array_equal(label, res.pred_sem_seg.data[0].numpy())
            checked += 1
    assert checked > 0


def test_mismatched_checkpoint_is_named(per_frame_run, video):
    """A per-frame checkpoint given to DFF: the missing keys are named."""
    from uda_video.apis import CheckpointMismatchError, init_segmenter
    cfg = tiny_config(DFF, video['root'])
    with pytest.raises(CheckpointMismatchError) as info:
        init_segmenter(cfg, per_frame_run['ckpt'])
    message = str(info.value)
    assert per_frame_run['ckpt'] in message
    assert "missing keys ['flow_source." in message
    assert 'unexpected keys [] (0)' in message


def test_frames_of_different_sizes_are_refused(per_frame_run, video,
                                               tmp_path):
    from uda_video.apis import init_segmenter, segment_video
    segmenter = init_segmenter(per_frame_run['cfg'], per_frame_run['ckpt'])
    frames = [('a', np.zeros(FRAME_HW + (3, ), np.uint8)),
              ('b', np.zeros((32, 64, 3), np.uint8))]
    with pytest.raises(ValueError, match='frame b .*32.*every frame'):
        list(segment_video(segmenter, iter(frames), 'v'))


def test_clip_windows_clamp_like_the_datasets():
    from uda_video.apis.inference import clip_windows
    frames = [(str(i), np.full((2, 2, 3), i, np.uint8)) for i in range(4)]
    clips = list(clip_windows(iter(frames), [0, -2, 1]))
    assert [c['names'] for c in clips] == [
        ['0', '0', '1'], ['1', '0', '2'], ['2', '0', '3'], ['3', '1', '3']]
    assert [c['frame_offsets'] for c in clips] == [
        [0, 0, 1], [0, -1, 1], [0, -2, 1], [0, -2, 0]]


def test_video_file_input(tmp_path):
    from uda_video.apis import read_frames
    path = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (40, 24))
    for t in range(3):
        writer.write(np.full((24, 40, 3), 60 * t, np.uint8))
    writer.release()
    source = read_frames(path)
    frames = list(source.frames)
    assert source.fps == 5 and source.count == 3
    assert [n for n, _ in frames] == [f'frame_{t:06d}' for t in range(3)]
    assert all(f.shape == (24, 40, 3) for _, f in frames)
    with pytest.raises(FileNotFoundError, match='nope'):
        read_frames(str(tmp_path / 'nope'))


def test_image_pipelines_and_unusable_loaders():
    """mmseg's per-image pipelines are fed from memory too; a loader of
    files frames cannot give is refused by name."""
    from uda_video.apis import build_test_pipeline
    from uda_video.utils import register_all_modules
    register_all_modules()
    steps = [dict(type='LoadImageFromFile'),
             dict(type='Resize', scale=(32, 16), keep_ratio=False),
             dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
    cfg = Config(dict(test_dataloader=dict(dataset=dict(pipeline=steps))))
    pipeline, offsets = build_test_pipeline(cfg)
    data = pipeline(dict(clip_imgs=[np.zeros((20, 50, 3), np.uint8)],
                         img_path='a'))
    assert offsets == [0] and tuple(data['inputs'].shape) == (3, 16, 32)
    assert data['data_samples'].ori_shape == (20, 50)
    steps[0] = dict(type='LoadClip')
    steps[2] = dict(type='LoadFlowFromFile')
    cfg = Config(dict(test_dataloader=dict(dataset=dict(pipeline=steps))))
    with pytest.raises(ValueError, match='step 2 .LoadFlowFromFile'):
        build_test_pipeline(cfg)


def test_palette_of_the_checkpoint_first(video):
    from uda_video.apis.inference import find_palette
    from uda_video.datasets.classes import SHARED_15_PALETTE
    cfg = tiny_config(PER_FRAME, video['root'])
    own = [[i, 2 * i, 3 * i] for i in range(NUM_CLASSES)]
    meta = dict(meta=dict(dataset_meta=dict(palette=own)))
    np.testing.assert_array_equal(find_palette(cfg, meta, NUM_CLASSES), own)
    np.testing.assert_array_equal(find_palette(cfg, {}, NUM_CLASSES),
                                  SHARED_15_PALETTE)
    with pytest.raises(KeyError, match='no palette with 40 colours'):
        find_palette(cfg, meta, 40)
