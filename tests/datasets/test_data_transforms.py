import numpy as np
import pytest
import torch

from uda_video.datasets.transforms import (ClipPhotoMetricDistortion, flip_flow,
                                           resize_flow_array)
from uda_video.datasets.flow_io import read_flow
from uda_video.ops import fb_consistency_mask, flow_warp
from uda_video.registry import TRANSFORMS

from dataset_helpers import viper


def _agreement(key_label, ref_label, flow):
    """Share of pixels where the ref label warped by flow equals the key label."""
    warped = flow_warp(torch.from_numpy(ref_label)[None, None].float(),
                       torch.from_numpy(flow).permute(2, 0, 1)[None],
                       mode='nearest', padding_mode='border')[0, 0].numpy()
    ok = key_label != 255
    return (warped[ok] == key_label[ok]).mean()


def _clip(synth_root, geometry, idx=5):
    ds = viper(synth_root, frame_offsets=[0, 1, -1], load_flow=True, pipeline=[
        dict(type='LoadClip'),
        dict(type='ClipBroadcaster', transforms=geometry)])
    return ds[idx]


def test_pure_flow_geometry():
    flow = np.zeros((4, 6, 2), np.float32)
    flow[..., 0] = np.arange(6)[None]
    flow[..., 1] = 1.0
    out = flip_flow(flow, 'horizontal')
    assert np.array_equal(out[..., 0], -flow[:, ::-1, 0])
    assert np.array_equal(out[..., 1], flow[..., 1])
    assert np.array_equal(flip_flow(flow, 'vertical')[..., 1], -flow[..., 1])
    big = resize_flow_array(np.ones((4, 6, 2), np.float32), (8, 18))
    assert big.shape == (8, 18, 2)
    assert np.allclose(big[..., 0], 3.0) and np.allclose(big[..., 1], 2.0)


@pytest.mark.parametrize('flip', [0.0, 1.0])
def test_one_geometry_for_frames_labels_and_flow(synth_root, flip):
    np.random.seed(1)
    geometry = [
        dict(type='RandomResize', scale=(64, 32), ratio_range=(1.5, 2.0),
             keep_ratio=True, resize_type='FlowAwareResize',
             flow_interpolation='nearest'),
        dict(type='FlowAwareRandomCrop', crop_size=(24, 40)),
        dict(type='FlowAwareRandomFlip', prob=flip),
    ]
    r = _clip(synth_root, geometry)
    assert [im.shape for im in r['img']] == [(24, 40, 3)] * 3
    assert [f.shape for f in r['gt_flow']] == [(24, 40, 2)] * 3
    assert r['flip'] == bool(flip) and len(r['gt_seg_map']) == 3
    key = r['gt_seg_map'][0]
    for i in (1, 2):
        flow = r['gt_flow'][i]
        good = _agreement(key, r['gt_seg_map'][i], flow)
        still = _agreement(key, r['gt_seg_map'][i], np.zeros_like(flow))
        wrong = flow.copy()
        wrong[..., 0] *= -1  # as if a flip had not negated u
        assert good > 0.7 and good > still + 0.02, (i, good, still)
        assert good > _agreement(key, r['gt_seg_map'][i], wrong) + 0.02


def test_flip_mirrors_every_frame_and_negates_u(synth_root):
    flipped = _clip(synth_root, [dict(type='FlowAwareRandomFlip', prob=1.0)])
    plain = _clip(synth_root, [])
    assert flipped['flip'] and flipped['flip_direction'] == 'horizontal'
    for i in range(3):
        assert np.array_equal(flipped['img'][i], plain['img'][i][:, ::-1])
        assert np.array_equal(flipped['gt_seg_map'][i], plain['gt_seg_map'][i][:, ::-1])
        assert np.array_equal(flipped['gt_flow'][i][..., 0], -plain['gt_flow'][i][:, ::-1, 0])
        assert np.array_equal(flipped['gt_flow'][i][..., 1], plain['gt_flow'][i][:, ::-1, 1])
    assert np.abs(plain['gt_flow'][1][..., 0]).sum() > 0


def test_crop_window_shared_by_all_frames(synth_root):
    np.random.seed(3)
    r = _clip(synth_root, [dict(type='FlowAwareRandomCrop', crop_size=(16, 24))], idx=0)
    full = _clip(synth_root, [], idx=0)
    # Find the crop window from the key frame; every frame uses the same one.
    k, fk = r['img'][0], full['img'][0]
    hits = [(y, x) for y in range(32 - 16 + 1) for x in range(64 - 24 + 1)
            if np.array_equal(fk[y:y + 16, x:x + 24], k)]
    assert hits
    y, x = hits[0]
    for i in range(3):
        assert np.array_equal(full['img'][i][y:y + 16, x:x + 24], r['img'][i])
        assert np.array_equal(full['gt_flow'][i][y:y + 16, x:x + 24], r['gt_flow'][i])


def test_photometric_per_clip_or_per_frame():
    img = np.full((8, 8, 3), 120, np.uint8)
    np.random.seed(0)
    same = ClipPhotoMetricDistortion(per_frame=False)(dict(img=[img, img, img]))
    assert all(np.array_equal(same['img'][0], f) for f in same['img'])
    differ = 0
    for seed in range(5):
        np.random.seed(seed)
        out = ClipPhotoMetricDistortion(per_frame=True)(dict(img=[img] * 3))['img']
        differ += not all(np.array_equal(out[0], f) for f in out)
    assert differ >= 3


def test_pack_clip_inputs(synth_root):
    ds = viper(synth_root, frame_offsets=[0, -1], load_flow=True, pipeline=[
        dict(type='LoadClip'), dict(type='PackClipInputs')])
    out = ds[4]
    x, s = out['inputs'], out['data_samples']
    assert x.shape == (2, 3, 32, 64) and x.dtype == torch.uint8
    assert s.gt_sem_seg.data.shape == (1, 32, 64) and s.gt_sem_seg.data.dtype == torch.int64
    assert s.gt_flow.shape == (1, 2, 32, 64)
    assert s.video_id == '001' and s.frame_id == 4 and s.frame_offsets == [0, -1]
    assert s.is_labelled is True and s.ref_img_paths[0].endswith('001_00003.jpg')
    # The packed flow is the stored backward flow of the key frame.
    from uda_video.datasets.flow_io import read_flow
    info = ds.get_data_info(4)
    flow, _ = read_flow(info['clip_flow_paths'][0])
    assert torch.equal(s.gt_flow[0], torch.from_numpy(flow).permute(2, 0, 1))


def test_broadcaster_rejects_unloaded_results():
    t = TRANSFORMS.build(dict(type='ClipBroadcaster', transforms=[]))
    with pytest.raises(ValueError, match='LoadClip'):
        t(dict(img=[np.zeros((2, 2, 3), np.uint8)], gt_seg_map=np.zeros((2, 2))))


def _back_clip(synth_root, geometry, idx=5, offsets=(0, -1), back=True):
    ds = viper(synth_root, frame_offsets=list(offsets), load_flow=True,
               load_flow_back=back, pipeline=[
                   dict(type='LoadClip'),
                   dict(type='ClipBroadcaster', transforms=geometry)])
    return ds, ds[idx]


def test_flow_back_is_the_reference_frames_flow_to_the_key(synth_root):
    ds, r = _back_clip(synth_root, [], idx=5, offsets=(0, -1, 1))
    paths = ds.get_data_info(5)['clip_flow_back_paths']
    assert paths[0].endswith('001_00004_flow_fw.png')  # t-1 -> t
    assert paths[1].endswith('001_00006_flow_bw.png')  # t+1 -> t
    assert len(r['gt_flow_back']) == 3 and not r['gt_flow_back'][0].any()
    for i, p in ((1, paths[0]), (2, paths[1])):
        assert np.array_equal(r['gt_flow_back'][i], read_flow(p)[0])
        assert r['gt_flow_back'][i].dtype == np.float32
        assert np.abs(r['gt_flow_back'][i]).sum() > 0
        assert not np.array_equal(r['gt_flow_back'][i], -r['gt_flow'][i])
    # The clamped reference of a video's first frame: zero flow both ways.
    _, first = _back_clip(synth_root, [], idx=0)
    assert first['frame_offsets'] == [0, 0]
    assert not first['gt_flow_back'][1].any() and not first['gt_flow'][1].any()
    # Without load_flow_back nothing changes.
    _, plain = _back_clip(synth_root, [], idx=5, back=False)
    assert 'gt_flow_back' not in plain
    assert 'clip_flow_back_paths' not in plain


def _fb_share(fw, bw):
    """Share of pixels passing the forward-backward check (H x W x 2 flows)."""
    def t(f):
        return torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)[None]
    return float(fb_consistency_mask(t(fw), t(bw)).mean())


@pytest.mark.parametrize('idx', [2, 9])
def test_flow_back_follows_flip_and_resize(synth_root, idx):
    geometry = [dict(type='FlowAwareResize', scale=(96, 48), keep_ratio=False),
                dict(type='FlowAwareRandomFlip', prob=1.0)]
    _, plain = _back_clip(synth_root, [], idx=idx)
    _, r = _back_clip(synth_root, geometry, idx=idx)
    fw, bw = r['gt_flow'][1], r['gt_flow_back'][1]
    assert fw.shape == bw.shape == (48, 96, 2) and r['flip']
    # Forward and backward flow stay consistent on the un-occluded pixels
    # (the synthetic scene's moving objects occlude ~10-20% of them).
    before = _fb_share(plain['gt_flow'][1], plain['gt_flow_back'][1])
    after = _fb_share(fw, bw)
    assert before > 0.8 and after > before - 0.1, (before, after)
    # Exactly like gt_flow: mirrored, u negated and both rescaled by 1.5.
    ref = flip_flow(resize_flow_array(plain['gt_flow_back'][1], (48, 96)), 'horizontal')
    np.testing.assert_allclose(bw, ref, atol=1e-5)
    assert np.abs(bw[..., 0]).max() > 1.4 * np.abs(plain['gt_flow_back'][1][..., 0]).max()
    # A backward flow that was not transformed like the forward one fails.
    wrong = bw.copy()
    wrong[..., 0] *= -1  # as if the flip had not negated u
    assert _fb_share(fw, wrong) < after - 0.3


def test_flow_back_draws_no_extra_randomness(synth_root):
    geometry = [
        dict(type='RandomResize', scale=(64, 32), ratio_range=(1.2, 2.0),
             keep_ratio=True, resize_type='FlowAwareResize'),
        dict(type='FlowAwareRandomCrop', crop_size=(24, 40)),
        dict(type='FlowAwareRandomFlip', prob=0.5)]
    outs, states = [], []
    for back in (False, True):
        np.random.seed(7)
        _, r = _back_clip(synth_root, geometry, idx=6, back=back)
        outs.append(r)
        states.append(np.random.get_state()[1].copy())
    assert np.array_equal(states[0], states[1])
    a, b = outs
    for k in ('img', 'gt_seg_map', 'gt_flow'):
        for x, y in zip(a[k], b[k]):
            assert np.array_equal(x, y), k
    assert b['gt_flow_back'][1].shape == b['gt_flow'][1].shape == (24, 40, 2)


def test_pack_and_pad_flow_back(synth_root):
    from uda_video.registry import MODELS
    ds = viper(synth_root, frame_offsets=[0, -1], load_flow=True,
               load_flow_back=True,
               pipeline=[dict(type='LoadClip'), dict(type='PackClipInputs')])
    s = ds[4]['data_samples']
    back, _ = read_flow(ds.get_data_info(4)['clip_flow_back_paths'][0])
    assert s.gt_flow_back.shape == s.gt_flow.shape == (1, 2, 32, 64)
    assert torch.equal(s.gt_flow_back[0], torch.from_numpy(back).permute(2, 0, 1))
    pre = MODELS.build(dict(type='ClipDataPreProcessor', size=(40, 64)))
    out = pre(dict(inputs=[ds[4]['inputs']], data_samples=[s]), training=True)
    s = out['data_samples'][0]
    assert s.gt_flow_back.shape == s.gt_flow.shape == (1, 2, 40, 64)
    assert not s.gt_flow_back[..., 32:, :].any()
