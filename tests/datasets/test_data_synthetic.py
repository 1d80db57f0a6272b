import filecmp
import json
import os
import os.path as osp

import numpy as np
import torch

from helpers import run_tool
from uda_video.datasets.flow_io import read_flow
from uda_video.datasets.synthetic import (SOURCE_STYLE, TARGET_STYLE,
                                          SceneRenderer, occlusion_free,
                                          write_benchmark)
from uda_video.ops import flow_warp

from dataset_helpers import TINY, cs_vps


def _tree(root):
    out = []
    for d, _, files in os.walk(root):
        out += [osp.relpath(osp.join(d, f), root) for f in files]
    return sorted(out)


def test_same_bytes_for_a_seed_and_different_for_another(tmp_path):
    args = dict(videos=2, frames=3, height=32, width=64, progress=False)
    write_benchmark(str(tmp_path / 'a'), seed=5, **args)
    write_benchmark(str(tmp_path / 'b'), seed=5, **args)
    write_benchmark(str(tmp_path / 'c'), seed=6, **args)
    files = _tree(tmp_path / 'a')
    assert files == _tree(tmp_path / 'b') and len(files) > 30
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / 'a', tmp_path / 'b', files,
                                           shallow=False)
    assert mismatch == [] and errors == []
    _, mismatch, _ = filecmp.cmpfiles(tmp_path / 'a', tmp_path / 'c', files,
                                      shallow=False)
    assert any(f.endswith('.jpg') for f in mismatch)


def test_flow_is_exact_on_non_occluded_pixels():
    for style in (SOURCE_STYLE, TARGET_STYLE):
        frames = list(SceneRenderer(style, 6, 48, 96, (3, 1, 0)))
        for t in range(5):
            a, b = frames[t], frames[t + 1]
            for src, dst, flow in ((a, b, a.flow_fw), (b, a, b.flow_bw)):
                vis = occlusion_free(src.obj_id, dst.obj_id, flow)
                assert vis.mean() > 0.6
                # Warp dst onto src with the project's flow_warp.
                warped = flow_warp(
                    torch.from_numpy(dst.clean).permute(2, 0, 1)[None].float(),
                    torch.from_numpy(flow).permute(2, 0, 1)[None])
                warped = warped[0].permute(1, 2, 0).round().numpy()
                assert np.array_equal(warped[vis], src.clean[vis].astype(np.float32))
                # Occluded/outside pixels exist (moving objects, borders) and
                # are not all equal, so the mask is doing work.
                assert (~vis).any()


def test_objects_move_independently_and_occlude():
    fr = list(SceneRenderer(TARGET_STYLE, 4, 64, 128, (0, 1, 1)))
    f0, f1 = fr[0], fr[1]
    assert len(np.unique(f0.track_id)) >= 3  # background + at least 2 things
    vis = occlusion_free(f0.obj_id, f1.obj_id, f0.flow_fw)
    inner = np.zeros_like(vis)
    inner[:, 8:-8] = True
    # Occlusions away from the image borders come from independent motion.
    assert (~vis & inner).any()


def test_written_layouts(synth_root):
    f = TINY['frames']
    v = osp.join(synth_root, 'viper', 'train')
    assert sorted(os.listdir(osp.join(v, 'img', '001')))[:2] == [
        '001_00000.jpg', '001_00001.jpg']
    assert len(os.listdir(osp.join(v, 'cls', '001'))) == f
    # fw for all but the last frame, bw for all but the first.
    assert len(os.listdir(osp.join(v, 'flow', '001'))) == 2 * (f - 1)
    cs = osp.join(synth_root, 'cityscapes')
    seq = os.listdir(osp.join(cs, 'leftImg8bit_sequence', 'val', 'betaburg'))
    assert len(seq) == f and 'betaburg_000001_000000_leftImg8bit.png' in seq
    assert os.listdir(osp.join(cs, 'gtFine', 'val', 'betaburg')) == [
        'betaburg_000001_000011_gtFine_labelIds.png']
    vps = osp.join(synth_root, 'cityscapes_vps')
    ann = json.load(open(osp.join(vps, 'panoptic_gt_val_city_vps.json')))
    assert [im['id'][:9] for im in ann['images']] == ['0001_0000', '0001_0005', '0001_0010']
    assert len(os.listdir(osp.join(vps, 'val', 'img_all'))) == f
    seg = ann['annotations'][0]['segments_info']
    assert {c['name'] for c in ann['categories'] if c['isthing']} >= {'car', 'person'}
    assert all(s['area'] > 0 for s in seg)


def test_written_flow_matches_labels(synth_root):
    """Warping label t+1 by the stored forward flow of t gives label t on most pixels."""
    v = osp.join(synth_root, 'viper', 'train')
    import cv2
    agree, still = [], []
    for t in range(4):
        lt = cv2.imread(osp.join(v, 'cls', '001', f'001_{t:05d}.png'), 0)
        lt1 = cv2.imread(osp.join(v, 'cls', '001', f'001_{t + 1:05d}.png'), 0)
        flow, valid = read_flow(osp.join(v, 'flow', '001', f'001_{t:05d}_flow_fw.png'))
        warped = flow_warp(torch.from_numpy(lt1)[None, None].float(),
                           torch.from_numpy(flow).permute(2, 0, 1)[None],
                           mode='nearest')[0, 0].numpy()
        agree.append((warped[valid] == lt[valid]).mean())
        still.append((lt1[valid] == lt[valid]).mean())
        assert not valid.all()  # leftward motion leaves the frame
    # Tiny 32 x 64 frames: moving objects occlude a good share of pixels.
    assert min(agree) > 0.8 and np.mean(agree) > np.mean(still) + 0.1


def test_vps_flow_is_the_cityscapes_sequence_flow(synth_root):
    f = TINY['frames']
    for split, vi, city in (('train', 0, 'alphaville'), ('val', 1, 'betaburg')):
        vps = osp.join(synth_root, 'cityscapes_vps', split, 'flow')
        cs = osp.join(synth_root, 'cityscapes', 'flow', split, city)
        expected = sorted(
            f'{vi:04d}_{t:04d}_{city}_{vi:06d}_{t:06d}_flow_{d}.png'
            for t in range(f) for d in ('fw', 'bw')
            if (d == 'fw' and t < f - 1) or (d == 'bw' and t > 0))
        assert sorted(os.listdir(vps)) == expected
        for name in expected:  # name[10:] drops 'VVVV_FFFF_'
            assert filecmp.cmp(osp.join(vps, name), osp.join(cs, name[10:]),
                               shallow=False), name
    # CityscapesVPSDataset finds them for clips towards t+1 and t-1.
    for offsets, frame, direction in (([0, 1], 0, 'fw'), ([0, -1], 3, 'bw')):
        ds = cs_vps(synth_root, split='val', all_frames=True, load_flow=True,
                    frame_offsets=offsets, pipeline=[dict(type='LoadClip')])
        name = f'0001_{frame:04d}_betaburg_000001_{frame:06d}_flow_{direction}.png'
        assert ds.get_data_info(frame)['clip_flow_paths'] == [
            osp.join(synth_root, 'cityscapes_vps', 'val', 'flow', name)]
        flow, _ = read_flow(osp.join(synth_root, 'cityscapes', 'flow', 'val',
                                     'betaburg', name[10:]))
        assert np.array_equal(ds[frame]['gt_flow'][1], flow)
        assert np.abs(flow).max() > 0  # a moving scene, not a zero flow


def test_cli_is_quiet_without_tty(tmp_path):
    out = tmp_path / 'cli'
    res = run_tool(['tools/dataset_converters/make_synthetic_dataset.py', '--out', str(out),
                    '--videos', '2', '--frames', '2', '--height', '32',
                    '--width', '64', '--seed', '1', '--pretrain-videos', '1',
                    '--appearance-gap', '0.5', '--content-gap', '0'])
    assert res.returncode == 0, res.stderr
    assert 'wrote 4 source, 4 target and 2 pretraining frames' in res.stdout
    info = json.load(open(out / 'benchmark.json'))
    assert (info['appearance_gap'], info['content_gap'], info['seed'],
            info['pretrain_videos']) == (0.5, 0.0, 1, 1)
    assert '[' not in res.stdout  # no progress bar when not a TTY
    assert osp.isfile(out / 'viper' / 'train' / 'img' / '001' / '001_00001.jpg')
