"""Experiment logging: a short training with wandb offline, read back from disk.

The default runtime logs to a local JSON file, tensorboard and an offline wandb
run; this test trains the tiny job with validation after every iteration and
checks that the three agree, with the iteration as step, and that colourized
prediction panels were logged at each evaluation.
"""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from helpers import REPO, run_tool
from uda_video.visualization import (colorize_labels, prediction_panel,
                                     read_wandb_history, read_wandb_records,
                                     resolve_wandb_mode)

CFG = 'tests/configs/tiny_encdec.py'
PALETTE = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]


@pytest.fixture(scope='module')
def logged_run(tmp_path_factory, tiny_folder_dataset):
    work = tmp_path_factory.mktemp('logging')
    root = tiny_folder_dataset
    proc = run_tool(
        ['tools/train.py', CFG, '--work-dir', str(work), '--cfg-options',
         f'train_dataloader.dataset.data_root={root}',
         f'val_dataloader.dataset.data_root={root}',
         f'test_dataloader.dataset.data_root={root}',
         'train_cfg.val_interval=1'],
        env=dict(WANDB_MODE='offline'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    vis_dirs = glob.glob(osp.join(str(work), '*', 'vis_data'))
    assert len(vis_dirs) == 1, vis_dirs
    vis = vis_dirs[0]
    with open(osp.join(vis, 'scalars.json')) as f:
        local = [json.loads(line) for line in f]
    runs = glob.glob(osp.join(vis, 'wandb', 'offline-run-*', 'run-*.wandb'))
    assert len(runs) == 1, f'one offline wandb run under {vis}: {runs}'
    return dict(vis=vis, local=local, wandb_file=runs[0])


def _local(rows, key):
    return {r['step']: r[key] for r in rows if key in r}


def test_wandb_offline_metrics_match_local_log(logged_run):
    history = read_wandb_history(logged_run['wandb_file'])
    by_step = {}
    for row in history:
        by_step.setdefault(row['_step'], {}).update(row)
    local = logged_run['local']
    # Train losses and lr at iterations 1, 2; validation after each one.
    for key in ('loss', 'decode.loss_ce', 'lr', 'mIoU', 'aAcc'):
        expected = _local(local, key)
        assert sorted(expected) == [1, 2], (key, expected)
        for step, value in expected.items():
            assert by_step[step][key] == pytest.approx(value), (key, step)
    # The poly schedule lowered the lr between the two logged iterations.
    assert by_step[2]['lr'] < by_step[1]['lr']


def test_wandb_run_holds_config_and_prediction_panels(logged_run):
    records = read_wandb_records(logged_run['wandb_file'])
    config_keys = {
        item.key for r in records if r.WhichOneof('record_type') == 'config'
        for item in r.config.update
    }
    assert {'model', 'train_cfg', 'visualizer'} <= config_keys
    history = read_wandb_history(logged_run['wandb_file'])
    panels = [(row['_step'], key) for row in history for key in row
              if key.startswith('val_prediction_')]
    # four panels (num_samples) at each of the two evaluations
    assert sorted(panels) == sorted(
        (s, f'val_prediction_{i}') for s in (1, 2) for i in range(4))
    image = next(row['val_prediction_0'] for row in history
                 if 'val_prediction_0' in row)
    assert image['_type'] == 'image-file'
    assert (image['width'], image['height']) == (3 * 64, 64)


def test_tensorboard_has_metrics_by_iteration(logged_run):
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    acc = EventAccumulator(logged_run['vis'])
    acc.Reload()
    miou = {e.step: e.value for e in acc.Scalars('mIoU')}
    assert miou == pytest.approx(_local(logged_run['local'], 'mIoU'),
                                 abs=1e-4)
    assert [e.step for e in acc.Scalars('loss')] == [1, 2]


def test_local_panel_is_colourized_with_the_palette(logged_run):
    path = osp.join(logged_run['vis'], 'vis_image', 'val_prediction_0_2.png')
    panel = cv2.imread(path)[..., ::-1]
    assert panel.shape == (64, 3 * 64, 3)
    gt_tile, pred_tile = panel[:, 64:128], panel[:, 128:]
    # the ground truth of the tiny dataset: columns 0-15 class 0 ... rows 32+
    # class 3, painted with the dataset palette
    assert (gt_tile[:32, 20] == PALETTE[1]).all()
    assert (gt_tile[40:, 5] == PALETTE[3]).all()
    colours = {tuple(c) for c in pred_tile.reshape(-1, 3)}
    assert colours <= {tuple(c) for c in PALETTE}


def test_colorize_labels_paints_palette_and_blackens_ignore():
    label = np.array([[0, 1], [3, 255]])
    out = colorize_labels(label, PALETTE)
    assert out.dtype == np.uint8
    assert out[0, 1].tolist() == PALETTE[1]
    assert out[1, 0].tolist() == PALETTE[3]
    assert out[1, 1].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match='H x W'):
        colorize_labels(np.zeros((1, 2, 2), int), PALETTE)
    with pytest.raises(TypeError, match='integer'):
        colorize_labels(np.zeros((2, 2)), PALETTE)


def test_prediction_panel_layout_and_shape_check():
    img = np.full((2, 3, 3), 7, np.uint8)
    pred = np.ones((2, 3), int)
    panel = prediction_panel(img, pred, PALETTE, gt=np.zeros((2, 3), int))
    assert panel.shape == (2, 9, 3)
    assert (panel[:, :3] == 7).all() and (panel[:, 6:] == PALETTE[1]).all()
    with pytest.raises(ValueError, match='differs'):
        prediction_panel(img, np.ones((3, 3), int), PALETTE)


def test_wandb_mode_resolution(monkeypatch):
    monkeypatch.delenv('WANDB_MODE', raising=False)
    assert resolve_wandb_mode(None) == 'offline'
    monkeypatch.setenv('WANDB_MODE', 'online')
    assert resolve_wandb_mode(None) == 'online'
    assert resolve_wandb_mode('disabled') == 'disabled'
    monkeypatch.setenv('WANDB_MODE', 'onlin')
    with pytest.raises(ValueError, match="WANDB_MODE='onlin'"):
        resolve_wandb_mode(None)


def test_reader_rejects_other_files(tmp_path):
    path = tmp_path / 'run-x.wandb'
    path.write_bytes(b'not a wandb file at all')
    with pytest.raises(ValueError, match='not a wandb run file'):
        read_wandb_records(str(path))


def test_visualizer_needs_a_palette():
    from uda_video.visualization import VideoSegVisualizer
    vis = VideoSegVisualizer(name='test_needs_palette')
    vis.dataset_meta = dict(classes=('a', 'b'))
    with pytest.raises(KeyError, match='palette'):
        vis.add_prediction('p', np.zeros((2, 2, 3), np.uint8),
                           np.zeros((2, 2), int))


def test_one_config_setting_switches_wandb_online(monkeypatch):
    from mmengine.config import Config
    from uda_video.registry import VISBACKENDS
    monkeypatch.delenv('WANDB_MODE', raising=False)
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/default_runtime.py'))
    backends = cfg.visualizer.vis_backends
    assert [b['type'] for b in backends] == [
        'LocalVisBackend', 'TensorboardVisBackend', 'IterWandbVisBackend']
    default = VISBACKENDS.build(dict(backends[2], save_dir='unused'))
    assert default.mode == 'offline'  # built lazily: no wandb run started
    cfg.merge_from_dict({'visualizer.vis_backends.2.mode': 'online'})
    online = VISBACKENDS.build(
        dict(cfg.visualizer.vis_backends[2], save_dir='unused'))
    assert online.mode == 'online'
    with pytest.raises(KeyError, match='init_kwargs.mode'):
        VISBACKENDS.build(dict(type='IterWandbVisBackend', save_dir='x',
                               init_kwargs=dict(mode='online')))
