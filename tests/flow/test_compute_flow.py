"""tools/dataset_converters/compute_flow.py (uda_video.apis.compute_flow):
video grouping, naming, sharding, skipping."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from helpers import load_tool, run_tool
from uda_video.apis import compute_flow
from uda_video.datasets.flow_io import flow_file_name, read_flow

TOOL = 'tools/dataset_converters/compute_flow.py'


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


def test_no_flow_across_the_gap_between_two_cityscapes_snippets():
    # Two snippets of one {city}_{seq} (the real val release: labels 012699 and
    # 012738 -> frames 012680..012709 and 012719..012748).
    stem = 'frankfurt/frankfurt_000001_{:06d}_leftImg8bit.png'
    rels = [stem.format(n) for n in list(range(12680, 12710))
            + list(range(12719, 12749))]
    videos = compute_flow.video_frames(rels, 'generic')
    assert [len(v) for v in videos] == [30, 30]
    tasks = compute_flow.flow_tasks('IMG', 'OUT', rels, ('fw', 'bw'))
    assert len(tasks) == 2 * 2 * 29
    last = [t for t in tasks if t.out.endswith('012709_flow_fw.png')]
    first = [t for t in tasks if t.out.endswith('012719_flow_bw.png')]
    assert not last and not first


def test_flow_file_name_is_the_one_naming_rule():
    assert flow_file_name('a/s_00001', 'fw') == 'a/s_00001_flow_fw.png'
    assert flow_file_name('c_000001_000019', 'bw') == \
        'c_000001_000019_flow_bw.png'
    with pytest.raises(ValueError, match="'up'.*s_1"):
        flow_file_name('s_1', 'up')


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
    proc = run_tool([TOOL, img, out,
                     '--direction', 'fw', '--preset', 'ultrafast'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'wrote 4 flow files' in proc.stdout
    assert all(f.endswith('_flow_fw.png') for f in listed(out))
    assert len(listed(out)) == 4
    with pytest.raises(FileNotFoundError, match='missing'):
        load_tool(TOOL).main([str(tmp_path / 'missing'), out])


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
    proc = run_tool([TOOL, img_all, out,
                     '--naming', 'generic', '--preset', 'ultrafast'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'wrote 0 flow files' in proc.stdout
    write_videos(str(tmp_path / 'cs'))
    with pytest.raises(ValueError, match='--naming vps: city.*is not'):
        load_tool(TOOL).main([str(tmp_path / 'cs'), out, '--naming', 'vps'])


# -- config mode: the pairs a config's datasets read --------------------------
def write_cityscapes_seq(root, dx=2):
    """Cityscapes-seq release naming, 6-frame snippets of labels 3 and 12 of
    aachen_000000 (frames 6-8 do not exist), panning dx px/frame."""
    rng = np.random.default_rng(1)
    big = cv2.resize(rng.integers(0, 256, (12, 24, 3)).astype(np.uint8),
                     (160, 80), interpolation=cv2.INTER_CUBIC)
    img_dir = osp.join(root, 'leftImg8bit_sequence', 'train', 'aachen')
    gt_dir = osp.join(root, 'gtFine', 'train', 'aachen')
    os.makedirs(img_dir)
    os.makedirs(gt_dir)
    for n in list(range(0, 6)) + list(range(9, 15)):
        cv2.imwrite(osp.join(img_dir, f'aachen_000000_{n:06d}_leftImg8bit.png'),
                    big[8:40, 8 + n * dx:8 + n * dx + 64])
    for n in (3, 12):
        cv2.imwrite(osp.join(gt_dir, f'aachen_000000_{n:06d}_gtFine_labelIds'
                             '.png'), np.full((32, 64), 7, np.uint8))


def write_flow_config(path, root):
    """train: (t, t-1, t+1) with flow at 32x16; val: (t, t-1) with reverse
    flow at frame size; test: every frame, t+1, no flow."""
    seq = dict(type='CityscapesSeqDataset', data_root=str(root), split='train',
               snippet_length=6, label_position=3)
    small = [dict(type='LoadClip'), dict(type='ClipBroadcaster', transforms=[
        dict(type='FlowAwareResize', scale=(32, 16), keep_ratio=True)])]
    cfg = dict(
        train_dataloader=dict(dataset=dict(
            seq, frame_offsets=[0, -1, 1], load_flow=True, pipeline=small)),
        val_dataloader=dict(dataset=dict(
            seq, frame_offsets=[0, -1], load_flow=True, load_flow_back=True,
            pipeline=[dict(type='LoadClip')])),
        test_dataloader=dict(dataset=dict(
            seq, frame_offsets=[0, 1], all_frames=True, test_mode=True,
            pipeline=[dict(type='LoadClip')])))
    with open(path, 'w') as f:
        for k, v in cfg.items():
            f.write(f'{k} = {v!r}\n')
    return str(path)


def flow_name(n, d):
    return f'aachen_000000_{n:06d}_flow_{d}.png'


# (key, ref) pairs of train (labels 3, 12 with t-1, t+1) and val (t-1, and
# the reverse flow t-1 -> t).
EXPECTED = {flow_name(3, 'bw'), flow_name(3, 'fw'), flow_name(12, 'bw'),
            flow_name(12, 'fw'), flow_name(2, 'fw'), flow_name(11, 'fw')}


def test_pipeline_scale_and_estimation_size():
    train = [dict(type='LoadClip'), dict(
        type='ClipBroadcaster', transforms=[
            dict(type='RandomResize', scale=(1024, 512),
                 ratio_range=(0.5, 2.0), keep_ratio=True,
                 resize_type='FlowAwareResize'),
            dict(type='FlowAwareRandomCrop', crop_size=(512, 1024))])]
    assert compute_flow.pipeline_scale(train) == (2048, 1024, True)
    test = [dict(type='ClipBroadcaster', transforms=[
        dict(type='FlowAwareResize', scale=(1280, 720), keep_ratio=True)])]
    assert compute_flow.pipeline_scale(test) == (1280, 720, True)
    assert compute_flow.pipeline_scale([dict(type='LoadClip')]) is None
    est = compute_flow.estimate_hw
    assert est((1024, 2048), (1024, 512, True)) == (512, 1024)
    assert est((1080, 1920), (1280, 720, True)) == (720, 1280)
    assert est((1024, 2048), (4096, 2048, True)) == (1024, 2048)  # no upscale
    assert est((1024, 2048), (100, 60, False)) == (60, 100)
    assert est((1024, 2048), None) == (1024, 2048)


def test_config_pairs_are_the_loaded_ones(tmp_path):
    from mmengine.config import Config
    root = tmp_path / 'cityscapes'
    write_cityscapes_seq(str(root))
    cfg = Config.fromfile(write_flow_config(tmp_path / 'cfg.py', root))
    lines = []
    tasks = compute_flow.config_tasks(cfg, log=lines.append)
    flow_dir = osp.join(str(root), 'flow', 'train', 'aachen')
    assert {osp.basename(t.out) for t in tasks} == EXPECTED
    assert len(tasks) == 6 and all(osp.dirname(t.out) == flow_dir
                                   for t in tasks)
    by_name = {osp.basename(t.out): t for t in tasks}
    fw3 = by_name[flow_name(3, 'fw')]
    assert fw3.src.endswith('000003_leftImg8bit.png')
    assert fw3.dst.endswith('000004_leftImg8bit.png')
    assert fw3.scale == (32, 16, True)  # the train pipeline's size
    # Wanted by train (32x16) and val (frame size): the larger one wins.
    assert by_name[flow_name(3, 'bw')].scale is None
    assert by_name[flow_name(2, 'fw')].dst.endswith('000003_leftImg8bit.png')
    assert len(lines) == 2 and '2 keys, 4 pairs' in lines[0]
    # --all-datasets adds the test set: every frame's t+1 (borders clamped:
    # no pair for the last frame of each snippet), 10 flows, 4 known.
    every = compute_flow.config_tasks(cfg, all_datasets=True, log=print)
    assert len(every) == 6 + 10 - 4
    # Shards partition the pairs.
    shards = [compute_flow.shard_of(tasks, (i, 3)) for i in range(3)]
    assert sorted(t.out for s in shards for t in s) == [t.out for t in tasks]


def test_config_mode_writes_resumes_and_redoes_bad_files(tmp_path):
    from mmengine.registry import DefaultScope

    from uda_video.datasets import CityscapesSeqDataset
    root = tmp_path / 'cityscapes'
    write_cityscapes_seq(str(root))
    cfg = write_flow_config(tmp_path / 'cfg.py', root)
    flow_dir = osp.join(str(root), 'flow', 'train', 'aachen')
    load_tool(TOOL).main(['--config', cfg, '--shard', '0/2', '--preset',
                          'fast'])
    first = set(os.listdir(flow_dir))
    load_tool(TOOL).main(['--config', cfg, '--shard', '1/2', '--preset',
                          'fast'])
    assert len(first) == 3 and set(os.listdir(flow_dir)) == EXPECTED
    # Written at the frame's size (64x32), also where estimated at 32x16, in
    # the frame's pixels: the window pans 2 px a frame.
    fw, valid = read_flow(osp.join(flow_dir, flow_name(3, 'fw')))
    assert fw.shape == (32, 64, 2) and valid.all()
    np.testing.assert_allclose(np.median(fw[8:-8, 8:-8].reshape(-1, 2), 0),
                               [-2, 0], atol=0.5)
    # The dataset finds every file where they were written.
    with DefaultScope.overwrite_default_scope('uda_video'):
        ds = CityscapesSeqDataset(
            data_root=str(root), split='train', snippet_length=6,
            label_position=3, frame_offsets=[0, -1], load_flow=True,
            load_flow_back=True, pipeline=[dict(type='LoadClip')])
        out = ds[0]
    np.testing.assert_allclose(
        np.median(out['gt_flow'][1][8:-8, 8:-8].reshape(-1, 2), 0), [2, 0],
        atol=0.5)
    np.testing.assert_allclose(
        np.median(out['gt_flow_back'][1][8:-8, 8:-8].reshape(-1, 2), 0),
        [-2, 0], atol=0.5)
    # Resume: valid files are skipped; a half-written file, a foreign file
    # and a flow of the wrong size are redone.
    from mmengine.config import Config
    tasks = compute_flow.config_tasks(Config.fromfile(cfg), log=print)
    assert compute_flow.compute_tasks(tasks, 'dis', 'fast') == (0, 6)
    half = osp.join(flow_dir, flow_name(12, 'fw'))
    with open(half, 'rb') as f:
        data = f.read()
    with open(half, 'wb') as f:
        f.write(data[:len(data) // 2])
    with open(osp.join(flow_dir, flow_name(2, 'fw')), 'w') as f:
        f.write('not a png')
    compute_flow.write_flow(osp.join(flow_dir, flow_name(11, 'fw')),
                            np.zeros((16, 32, 2), np.float32))
    assert not compute_flow.flow_file_ok(half, (32, 64))
    assert compute_flow.flow_file_ok(osp.join(flow_dir, flow_name(3, 'fw')),
                                     (32, 64))
    assert compute_flow.compute_tasks(tasks, 'dis', 'fast') == (3, 3)
    assert compute_flow.pending(tasks) == []


def test_config_cli_dry_run_and_workers(tmp_path, capsys):
    root = tmp_path / 'cityscapes'
    write_cityscapes_seq(str(root))
    cfg = write_flow_config(tmp_path / 'cfg.py', root)
    load_tool(TOOL).main(['--config', cfg, '--dry-run', '--shard', '2/4'])
    assert '6 pairs in all, 1 in shard 2/4, 1 to compute' in \
        capsys.readouterr().out
    proc = run_tool([TOOL, '--config', cfg,
                     '--workers', '2', '--preset', 'ultrafast',
                     '--all-datasets'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'wrote 12 flow files, skipped 0 existing (12 pairs' in proc.stdout
    assert '12/12 pairs' in proc.stdout  # progress lines (not a terminal)
    flow_dir = osp.join(str(root), 'flow', 'train', 'aachen')
    assert len(os.listdir(flow_dir)) == 12


@pytest.mark.parametrize('kind', ['cityscapes_seq', 'viper', 'vps_cityscapes',
                                  'vps_vps'])
def test_flow_file_is_where_each_dataset_looks(kind, tmp_path):
    from mmengine.registry import DefaultScope
    from real_trees import (make_cityscapes_seq_tree, make_cityscapes_vps_tree,
                            make_viper_tree)

    from uda_video.datasets import (CityscapesSeqDataset, CityscapesVPSDataset,
                                    VIPERDataset)
    root = str(tmp_path / kind)
    if kind == 'cityscapes_seq':
        make_cityscapes_seq_tree(root, splits=('val', ), with_flow=True)
        cls, split = CityscapesSeqDataset, 'val'
    elif kind == 'viper':
        make_viper_tree(root, splits=('train', ), seqs=1, frames=12,
                        with_flow=True)
        cls, split = VIPERDataset, 'train'
    else:
        make_cityscapes_vps_tree(root, videos=1, frames=6, with_flow=True,
                                 img_all_names=kind[4:])
        cls, split = CityscapesVPSDataset, 'val'
    with DefaultScope.overwrite_default_scope('uda_video'):
        ds = cls(data_root=root, split=split, all_frames=True)
    checked = 0
    for video in ds.videos:
        for frame in video['frames']:
            for d in ('fw', 'bw'):
                if frame[f'flow_{d}_path'] is not None:
                    assert compute_flow.flow_file(
                        ds, frame['img_path'], d) == frame[f'flow_{d}_path']
                    checked += 1
    assert checked > 0
