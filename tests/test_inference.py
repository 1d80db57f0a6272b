"""tools/inference.py on a generated video: colourized output, state across frames."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from helpers import run_tool

CONFIG = 'configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
NUM_FRAMES = 7
KEY_INTERVAL = 3
PALETTE = [[(37 * i) % 256, (91 * i + 40) % 256, (151 * i + 80) % 256]
           for i in range(15)]


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """A DFF checkpoint (random weights, palette in its meta) and a video."""
    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules()
    root = tmp_path_factory.mktemp('inference')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    ckpt = str(root / 'dff.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(
                        classes=[f'c{i}' for i in range(15)],
                        palette=PALETTE))), ckpt)
    frames_dir = root / 'frames'
    frames_dir.mkdir()
    video = str(root / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (64, 64))
    for t in range(NUM_FRAMES):  # a bright square moving right
        img = np.full((64, 64, 3), 40, np.uint8)
        img[20:40, 5 + 4 * t:25 + 4 * t] = (30, 200, 220)
        writer.write(img)
        cv2.imwrite(str(frames_dir / f'f_{t:03d}.png'), img)
    writer.release()
    return dict(root=root, ckpt=ckpt, video=video, frames=str(frames_dir))


def infer(assets, src, out, *extra):
    proc = run_tool(['tools/inference.py', CONFIG, assets['ckpt'], src,
                     '--out', out, '--cfg-options',
                     f'model.test_cfg.key_frame_interval={KEY_INTERVAL}',
                     *extra])
    return proc


def test_video_file_to_colourized_frames(assets):
    out = str(assets['root'] / 'out_frames')
    proc = infer(assets, assets['video'], out, '--opacity', '1')
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    names = sorted(os.listdir(out))
    assert names == [f'frame_{t:06d}.png' for t in range(NUM_FRAMES)]
    # The DFF state is carried across frames: a key frame every 3 frames.
    n_keys = len(range(0, NUM_FRAMES, KEY_INTERVAL))
    assert f'is_key_frame: {n_keys}' in proc.stdout, proc.stdout
    palette = {tuple(c) for c in PALETTE}
    for name in names:
        img = cv2.imread(osp.join(out, name))[..., ::-1]
        assert img.shape == (64, 64, 3)
        assert {tuple(c) for c in img.reshape(-1, 3)} <= palette, name
    # quiet without a terminal: no progress bar in the captured output
    assert '\r' not in proc.stdout and 'ETA' not in proc.stdout


def test_folder_of_frames_to_video(assets):
    out = str(assets['root'] / 'seg.avi')
    proc = infer(assets, assets['frames'], out)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    cap = cv2.VideoCapture(out)
    count = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        assert img.shape == (64, 64, 3)
        count += 1
    assert count == NUM_FRAMES
    assert f"video 'frames'" in proc.stdout


def test_bad_input_names_the_path(assets):
    missing = str(assets['root'] / 'nope')
    proc = infer(assets, missing, str(assets['root'] / 'x'))
    assert proc.returncode != 0
    assert missing in proc.stderr
