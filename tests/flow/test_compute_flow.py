"""tools/compute_flow.py: video grouping, naming, sharding, skipping."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from helpers import REPO, run_tool
from uda_video.datasets.flow_io import read_flow

sys.path.insert(0, osp.join(REPO, 'tools'))
import compute_flow  # noqa: E402


def test_parse_frame_name():
    assert compute_flow.parse_frame_name(
        'aachen_000001_000019_leftImg8bit') == ('aachen_000001_', 19,
                                               '_leftImg8bit')
    assert compute_flow.parse_frame_name('007_00042') == ('007_', 42, '')
    assert compute_flow.parse_frame_name('frame0042') == ('frame', 42, '')
    with pytest.raises(ValueError, match="'cover'"):
        compute_flow.parse_frame_name('cover')


def test_group_videos_orders_by_number_and_names_bad_files():
    videos = compute_flow.group_videos(
        ['a/s1_10.png', 'a/s1_9.png', 'a/s2_1.png', 'b/s1_3.png'])
    assert videos[('a', 's1_', '')] == [(9, 'a/s1_9.png'), (10, 'a/s1_10.png')]
    assert len(videos) == 3
    with pytest.raises(ValueError, match='a/readme.png'):
        compute_flow.group_videos(['a/readme.png'])
    with pytest.raises(ValueError, match=r'\[1\]'):
        compute_flow.group_videos(['a/s_1.png', 'a/s_01.png'])


def test_parse_shard():
    assert compute_flow.parse_shard('1/3') == (1, 3)
    for bad in ('3/3', '1', 'a/b', '-1/2'):
        with pytest.raises(Exception, match='--shard'):
            compute_flow.parse_shard(bad)


def write_videos(root, dx=2):
    """Two videos of 3 frames (Cityscapes-like names) panning dx px/frame."""
    rng = np.random.default_rng(0)
    big = cv2.resize(rng.integers(0, 256, (14, 30, 3)).astype(np.uint8),
                     (180, 84), interpolation=cv2.INTER_CUBIC)
    for seq in (0, 1):
        os.makedirs(osp.join(root, 'city'), exist_ok=True)
        for t in range(3):
            img = big[10:74, 10 + t * dx:10 + t * dx + 96]
            cv2.imwrite(osp.join(root, 'city', f'city_{seq:06d}_{t:06d}'
                                 '_leftImg8bit.png'), img)


def expected_files(out):
    names = []
    for seq in (0, 1):
        for t in range(3):
            base = osp.join(out, 'city', f'city_{seq:06d}_{t:06d}')
            if t < 2:
                names.append(base + '_flow_fw.png')
            if t > 0:
                names.append(base + '_flow_bw.png')
    return sorted(names)


def listed(out):
    return sorted(
        osp.join(r, f) for r, _, fs in os.walk(out) for f in fs)


def test_shards_split_the_work_and_reruns_skip(tmp_path):
    img, out = str(tmp_path / 'img'), str(tmp_path / 'flow')
    write_videos(img)
    w0, s0 = compute_flow.run(img, out, 'dis', 'fast', ['fw', 'bw'],
                              ['.png'], (0, 2), progress=False)
    after_first = listed(out)
    w1, s1 = compute_flow.run(img, out, 'dis', 'fast', ['fw', 'bw'],
                              ['.png'], (1, 2), progress=False)
    assert (w0, s0, w1, s1) == (4, 0, 4, 0)
    assert len(after_first) == 4
    assert listed(out) == expected_files(out)
    # A rerun of everything skips every file.
    assert compute_flow.run(img, out, 'dis', 'fast', ['fw', 'bw'], ['.png'],
                            (0, 1), progress=False) == (0, 8)
    # The window pans right 2 px a frame: img_t(p) = img_t+1(p + (-2, 0)).
    fw, valid = read_flow(osp.join(out, 'city',
                                   'city_000000_000000_flow_fw.png'))
    assert valid.all()
    np.testing.assert_allclose(np.median(fw[8:-8, 8:-8].reshape(-1, 2), 0),
                               [-2, 0], atol=0.3)
    bw, _ = read_flow(osp.join(out, 'city', 'city_000000_000001_flow_bw.png'))
    np.testing.assert_allclose(np.median(bw[8:-8, 8:-8].reshape(-1, 2), 0),
                               [2, 0], atol=0.3)


def test_cli_writes_only_requested_direction(tmp_path):
    img, out = str(tmp_path / 'img'), str(tmp_path / 'flow')
    write_videos(img)
    proc = run_tool([osp.join('tools', 'compute_flow.py'), img, out,
                     '--direction', 'fw', '--preset', 'ultrafast'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'wrote 4 flow files' in proc.stdout
    assert all(f.endswith('_flow_fw.png') for f in listed(out))
    assert len(listed(out)) == 4
    with pytest.raises(FileNotFoundError, match='missing'):
        compute_flow.main([str(tmp_path / 'missing'), out])


def vps_name(vid, fid, seq, frame):
    return f'{vid:04d}_{fid:04d}_city_{seq:06d}_{frame:06d}_leftImg8bit.png'


def test_vps_names_group_by_video_and_order_by_frame_index():
    # The Cityscapes frame number runs backwards: the VPS index must win.
    rels = [vps_name(1, fid, 7, 30 - fid) for fid in (2, 0, 1)]
    rels.append(vps_name(0, 0, 3, 5))
    assert compute_flow.resolve_naming(rels, 'auto') == 'vps'
    videos = compute_flow.video_frames(rels)
    assert [[osp.basename(b) for _, b in v] for v in videos] == [
        ['0000_0000_city_000003_000005'],
        ['0001_0000_city_000007_000030', '0001_0001_city_000007_000029',
         '0001_0002_city_000007_000028']]
    # Forced generic: every frame is its own video, so there is no pair.
    assert compute_flow.flow_tasks('i', 'o', rels, ['fw', 'bw'],
                                   'generic') == []
    tasks = compute_flow.flow_tasks('i', 'o', rels, ['fw', 'bw'])
    assert tasks[0] == compute_flow.FlowTask(
        osp.join('i', vps_name(1, 0, 7, 30)), osp.join('i', vps_name(1, 1, 7, 29)),
        osp.join('o', '0001_0000_city_000007_000030_flow_fw.png'))
    assert len(tasks) == 4


def test_vps_naming_errors_name_the_file():
    gap = [vps_name(0, 0, 1, 0), vps_name(0, 2, 1, 2)]
    with pytest.raises(ValueError, match='misses frame index 0001 between '
                       '0000_0000_city'):
        compute_flow.video_frames(gap)
    dup = [vps_name(0, 0, 1, 0), vps_name(0, 0, 1, 0).replace('left', 'new')]
    with pytest.raises(ValueError, match='newImg8bit.png are both frame 0000'):
        compute_flow.video_frames(dup)
    mixed = [vps_name(0, 0, 1, 0), 'city_000001_000000_leftImg8bit.png']
    with pytest.raises(ValueError, match='auto.*city_000001_000000_leftImg8bit'
                       '.png is not'):
        compute_flow.resolve_naming(mixed, 'auto')
    with pytest.raises(ValueError, match='vps: city_000001_000000_leftImg8bit'):
        compute_flow.resolve_naming(mixed, 'vps')
    assert compute_flow.resolve_naming(mixed, 'generic') == 'generic'


def write_vps_split(root, dx=2):
    """Cityscapes-VPS split: two videos of 3 frames panning dx px/frame, no
    annotation (img_all + an empty panoptic JSON)."""
    rng = np.random.default_rng(0)
    big = cv2.resize(rng.integers(0, 256, (14, 30, 3)).astype(np.uint8),
                     (180, 84), interpolation=cv2.INTER_CUBIC)
    img_all = osp.join(root, 'train', 'img_all')
    os.makedirs(img_all)
    for vid in (0, 1):
        for t in range(3):
            img = big[10:74, 10 + t * dx:10 + t * dx + 96]
            cv2.imwrite(osp.join(img_all, vps_name(vid, t, 10 + vid, 4 + t)),
                        img)
    with open(osp.join(root, 'panoptic_gt_train_city_vps.json'), 'w') as f:
        json.dump(dict(images=[], annotations=[], categories=[]), f)
    return img_all


def test_vps_split_flow_is_loaded_by_the_dataset(tmp_path):
    from mmengine.registry import DefaultScope

    from uda_video.datasets import CityscapesVPSDataset
    root = str(tmp_path / 'vps')
    img_all = write_vps_split(root)
    out = osp.join(root, 'train', 'flow')
    assert compute_flow.run(img_all, out, 'dis', 'fast', ['fw', 'bw'],
                            ['.png'], (0, 2), progress=False) == (4, 0)
    assert compute_flow.run(img_all, out, 'dis', 'fast', ['fw', 'bw'],
                            ['.png'], (0, 1), progress=False) == (4, 4)
    # {stem}_flow_{fw,bw}.png, stem = the name without _leftImg8bit.png.
    expected = []
    for v in (0, 1):
        for t in range(3):
            stem = vps_name(v, t, 10 + v, 4 + t)[:-len('_leftImg8bit.png')]
            expected += [osp.join(out, f'{stem}_flow_fw.png')] * (t < 2)
            expected += [osp.join(out, f'{stem}_flow_bw.png')] * (t > 0)
    assert listed(out) == sorted(expected)
    # The window pans right 2 px a frame: fw of t is (-2, 0), bw (+2, 0).
    with DefaultScope.overwrite_default_scope('uda_video'):
        for offsets, idx, expected in (([0, 1], 3, -2.0), ([0, -1], 5, 2.0)):
            ds = CityscapesVPSDataset(
                data_root=root, split='train', all_frames=True,
                test_mode=True, load_flow=True, frame_offsets=offsets,
                pipeline=[dict(type='LoadClip')])
            flow = ds[idx]['gt_flow'][1]
            assert flow.shape == (64, 96, 2)
            np.testing.assert_allclose(
                np.median(flow[8:-8, 8:-8].reshape(-1, 2), 0), [expected, 0],
                atol=0.3)


def test_cli_naming_option(tmp_path):
    img_all = write_vps_split(str(tmp_path / 'vps'))
    out = str(tmp_path / 'flow')
    proc = run_tool([osp.join('tools', 'compute_flow.py'), img_all, out,
                     '--naming', 'generic', '--preset', 'ultrafast'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'wrote 0 flow files' in proc.stdout
    write_videos(str(tmp_path / 'cs'))
    with pytest.raises(ValueError, match='--naming vps: city.*is not'):
        compute_flow.main([str(tmp_path / 'cs'), out, '--naming', 'vps'])
