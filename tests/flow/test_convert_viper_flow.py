"""tools/dataset_converters/convert_viper_flow.py (uda_video.apis.
convert_viper_flow): npz key styles, invalid pixels, layout, errors."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from helpers import run_tool
from uda_video.apis import convert_viper_flow
from uda_video.datasets.flow_io import read_flow

H, W = 6, 9


def viper_flow(seed):
    """float16 flow (H x W x 2) with NaN / inf / out-of-range pixels; returns
    (flow, expected valid mask)."""
    rng = np.random.default_rng(seed)
    flow = rng.uniform(-500, 500, (H, W, 2)).astype(np.float16)
    valid = np.ones((H, W), bool)
    flow[0, 0, 0] = np.nan
    flow[1, 2, 1] = np.inf
    flow[2, 3, 0] = 600.0   # beyond +511.98 px
    flow[3, 4, 1] = -513.0  # beyond -512 px
    flow[4, 5] = (511.75, -512.0)  # extremes the PNG still holds
    valid[0, 0] = valid[1, 2] = valid[2, 3] = valid[3, 4] = False
    return flow, valid


def write_npz(src, seq, frame, flow, style):
    path = osp.join(src, seq, f'{seq}_{frame:05d}.npz')
    os.makedirs(osp.dirname(path), exist_ok=True)
    if style == 'uv':
        np.savez_compressed(path, u=flow[..., 0], v=flow[..., 1])
    else:
        np.savez_compressed(path, flow)  # one array, named arr_0
    return path


@pytest.mark.parametrize('style', ['uv', 'single'])
def test_round_trip_and_invalid_pixels(tmp_path, style):
    src, out = str(tmp_path / 'npz'), str(tmp_path / 'flow')
    flow, valid = viper_flow(0)
    write_npz(src, '001', 7, flow, style)
    assert convert_viper_flow.run(src, out, 'fw', (0, 1), progress=False) == \
        (1, 0, 2, 2)
    got, got_valid = read_flow(osp.join(out, '001', '001_00007_flow_fw.png'))
    assert np.array_equal(got_valid, valid)
    # KITTI PNG precision: 1/64 px, so at most half a step off.
    err = np.abs(got - flow.astype(np.float32))[valid]
    assert err.max() <= 1 / 128 + 1e-6
    assert got[4, 5].tolist() == [511.75, -512.0]
    assert (got[~valid] == 0).all()


def test_layout_skip_shards_and_dataset(tmp_path):
    src, out = str(tmp_path / 'npz'), str(tmp_path / 'viper' / 'train' / 'flow')
    for seq in ('001', '002'):
        for frame in range(2):
            write_npz(src, seq, frame, viper_flow(frame)[0], 'uv')
    a = convert_viper_flow.run(src, out, 'bw', (0, 2), progress=False)
    b = convert_viper_flow.run(src, out, 'bw', (1, 2), progress=False)
    assert a[:2] == b[:2] == (2, 0)
    assert convert_viper_flow.run(src, out, 'bw', (0, 1),
                                  progress=False)[:2] == (0, 4)
    names = sorted(osp.relpath(osp.join(r, f), out)
                   for r, _, fs in os.walk(out) for f in fs)
    assert names == [f'{s}/{s}_{n:05d}_flow_bw.png'
                     for s in ('001', '002') for n in range(2)]
    # VIPERDataset reads them as the backward flow of each frame.
    from mmengine.registry import DefaultScope

    from uda_video.datasets import VIPERDataset
    for seq in ('001', '002'):
        os.makedirs(tmp_path / 'viper' / 'train' / 'img' / seq)
        for n in range(2):
            cv2.imwrite(str(tmp_path / 'viper' / 'train' / 'img' / seq /
                            f'{seq}_{n:05d}.png'), np.zeros((H, W, 3), np.uint8))
    with DefaultScope.overwrite_default_scope('uda_video'):
        ds = VIPERDataset(data_root=str(tmp_path / 'viper'), split='train',
                          img_suffix='.png', all_frames=True, test_mode=True,
                          load_flow=True, frame_offsets=[0, -1])
        assert ds.get_data_info(3)['clip_flow_paths'] == [
            osp.join(out, '002', '002_00001_flow_bw.png')]


def test_bad_files_are_named(tmp_path):
    src = tmp_path / 'npz'
    os.makedirs(src / '001')
    bad = str(src / '001' / '001_00000.npz')
    np.savez(bad, flow_x=np.zeros((H, W)), flow_y=np.zeros((H, W)))
    with pytest.raises(ValueError, match=r'001_00000\.npz.*found flow_x '
                       r'float64 \(6, 9\), flow_y'):
        convert_viper_flow.run(str(src), str(tmp_path / 'o'), 'fw', (0, 1),
                               progress=False)
    np.savez(bad, u=np.zeros((H, W)), v=np.zeros((H, W + 1)))
    with pytest.raises(ValueError, match="001_00000.npz: 'u' and 'v'"):
        convert_viper_flow.load_viper_flow(bad)
    with open(bad, 'wb') as f:
        f.write(b'not a zip')
    with pytest.raises(ValueError, match='001_00000.npz: not a readable npz'):
        convert_viper_flow.load_viper_flow(bad)
    np.savez(str(src / '001' / 'cover.npz'), u=np.zeros((H, W)))
    with pytest.raises(ValueError, match='cover.npz: not a VIPER flow file'):
        convert_viper_flow.conversion_tasks(str(src), 'o', 'fw')
    assert not osp.exists(tmp_path / 'o')  # nothing half-written
    os.makedirs(tmp_path / 'empty')
    with pytest.raises(FileNotFoundError, match='no .npz files under'):
        convert_viper_flow.conversion_tasks(str(tmp_path / 'empty'), 'o', 'fw')


def test_cli_summary(tmp_path):
    src, out = str(tmp_path / 'npz'), str(tmp_path / 'flow')
    write_npz(src, '003', 4, viper_flow(1)[0], 'uv')
    proc = run_tool(['tools/dataset_converters/convert_viper_flow.py', src, out,
                     '--direction', 'bw', '--shard', '0/1'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'wrote 1 flow files' in proc.stdout
    assert '2 non-finite pixels, 2 pixels beyond' in proc.stdout
    assert '[' not in proc.stdout  # no progress bar without a TTY
    assert osp.isfile(osp.join(out, '003', '003_00004_flow_bw.png'))
