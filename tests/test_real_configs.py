"""Every config that names a real dataset trains one iteration and validates.

Each config is built as it ships (``Config.fromfile``); only the data roots
(miniature trees named like the real releases, ``real_trees.py``), image sizes
(every resize scale, crop and pad size divided by ``SHRINK``), iteration
counts, workers and checkpoint paths are overridden. Then one offline
pseudo-label round on the Cityscapes tree: generate, train one iteration with
random scale and crop, and the errors of a folder that misses a frame.
"""
import glob
import math
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from helpers import REPO, load_tool
from real_trees import make_cityscapes_seq_tree, make_viper_tree

SHRINK = 16  # 2048x1024 -> 128x64 (the miniature Cityscapes size)
SIZE_KEYS = ('scale', 'crop_size', 'size')
# Real-data configs: those whose data root is a real release.
REAL_ROOTS = ('data/cityscapes', 'data/viper')


def real_configs():
    out = []
    for p in sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                              recursive=True)):
        rel = osp.relpath(p, REPO)
        if '_base_' in rel.split(osp.sep) or osp.basename(p).startswith('_'):
            continue
        # *-vps.py: the same training as their base, tested on Cityscapes-VPS.
        if rel.endswith('-vps.py'):
            continue
        text = open(p).read()
        if 'viper2cityscapes' in rel or 'cityscapes' in osp.basename(p) \
                or any(r in text for r in REAL_ROOTS):
            out.append(rel)
    return out


CONFIGS = real_configs()


def test_every_real_method_folder_is_covered():
    folders = {c.split(osp.sep)[1] for c in CONFIGS}
    assert {'uda', 'dff', 'clockwork', 'tdnet', 'tcd'} <= folders, folders
    assert len([c for c in CONFIGS if 'viper2cityscapes' in c]) >= 10


@pytest.fixture(autouse=True)
def config_text_once(monkeypatch):
    """The runner formats its config (yapf) for the log, the work dir and
    each visualizer backend; format each config once (seconds per run)."""
    formatted = Config.pretty_text

    def pretty_text(self):
        cache = self.__dict__.get('_text_once')
        if cache is None:
            cache = formatted.fget(self)
            object.__setattr__(self, '_text_once', cache)
        return cache
    monkeypatch.setattr(Config, 'pretty_text', property(pretty_text))


@pytest.fixture(scope='module')
def trees(tmp_path_factory):
    root = tmp_path_factory.mktemp('real')
    cs = make_cityscapes_seq_tree(str(root / 'cityscapes'),
                                  splits=('train', 'val'), size=(128, 64),
                                  with_flow=True)
    viper = make_viper_tree(str(root / 'viper'), splits=('train', ),
                            size=(64, 36), seqs=2, frames=21, with_flow=True)
    return dict(cityscapes=cs['root'], viper=viper['root'], out=cs)


@pytest.fixture(scope='module')
def teacher_checkpoint(tmp_path_factory):
    """Random PSPNet-101 weights for the distillation configs' teacher."""
    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    path = tmp_path_factory.mktemp('teacher') / 'pspnet_r101.pth'
    cache = {}

    def get(config):
        if config not in cache:
            model_cfg = Config.fromfile(osp.join(REPO, config)).model
            model_cfg.pop('data_preprocessor', None)
            model_cfg.backbone.norm_cfg = dict(type='BN', requires_grad=True)
            model_cfg.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
            if model_cfg.get('auxiliary_head'):
                model_cfg.auxiliary_head.norm_cfg = dict(type='BN',
                                                         requires_grad=True)
            torch.save(dict(state_dict=MODELS.build(model_cfg).state_dict()),
                       path)
            cache[config] = str(path)
        return cache[config]
    return get


def smaller(value, factor=SHRINK):
    """A size divided by ``factor`` (at least 8)."""
    return tuple(max(8, v // factor) for v in value)


def short_side_256(value):
    """A size scaled so that its short side is 256."""
    return tuple(int(v * 256 / min(value)) for v in value)


def shrink(node, trees, teacher, size=smaller):
    """The overrides, in place: roots, sizes, workers, checkpoints."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == 'data_root' and isinstance(value, str):
                for name in ('cityscapes', 'viper'):
                    if value == f'data/{name}':
                        node[key] = trees[name]
            elif key in SIZE_KEYS and isinstance(value, (tuple, list)) \
                    and len(value) == 2 and all(isinstance(v, int)
                                                for v in value):
                node[key] = size(value)
            elif key == 'num_workers':
                node[key] = 0
            elif key == 'persistent_workers':
                node[key] = False
            elif key == 'init_cfg' and isinstance(value, dict) \
                    and value.get('type') == 'Pretrained':
                node[key] = None
            elif key == 'teacher_checkpoint' and value:
                node[key] = teacher(node['teacher_config'])
            else:
                shrink(value, trees, teacher, size)
    elif isinstance(node, list):
        for value in node:
            shrink(value, trees, teacher, size)


def build_cfg(rel, trees, teacher, work_dir):
    cfg = Config.fromfile(osp.join(REPO, rel))
    # The discriminators (four stride-2 convs on the softmax at stride 8)
    # need training inputs of at least 256 px.
    # To keep these within the suite's time, their backbone is a ResNet-50
    # (the same stages and channels, 6 instead of 23 blocks in stage 3).
    adversarial = 'discriminator' in cfg.model
    for key, value in cfg._cfg_dict.items():
        shrink(value, trees, teacher,
               short_side_256 if adversarial and key == 'train_dataloader'
               else smaller)
    if adversarial:
        assert cfg.model.segmentor.backbone.depth == 101
        cfg.model.segmentor.backbone.depth = 50
    cfg.work_dir = str(work_dir)
    cfg.load_from = None
    cfg.train_cfg.max_iters = 1
    # No checkpoint of the single iteration (hundreds of MB per R101 run).
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.checkpoint.save_last = False
    # One visualizer instance per run (mmengine keeps instances by name).
    cfg.visualizer.name = f'visualizer_{osp.basename(str(work_dir))}'
    cfg.train_cfg.val_begin = 1  # validated once, after the iteration
    cfg.train_cfg.val_interval = 1
    return cfg


class MetricsCatcher(Hook):
    """Keeps the metrics of the validation run inside training."""
    priority = 'VERY_LOW'

    def __init__(self):
        self.metrics = None

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = metrics


def train_one_iteration_and_validate(cfg):
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    catcher = MetricsCatcher()
    runner.register_hook(catcher)
    runner.train()
    assert runner.iter == 1
    losses = {k: v.current() for k, v in runner.message_hub.log_scalars.items()
              if k.startswith('train/') and 'loss' in k}
    assert losses and all(math.isfinite(v) for v in losses.values()), losses
    metrics = catcher.metrics
    assert metrics is not None, 'no validation ran'
    assert 0.0 <= metrics['mIoU'] <= 100.0, metrics
    return runner, metrics


@pytest.mark.parametrize('rel', CONFIGS)
def test_config_trains_and_validates_on_the_real_layout(
        rel, trees, teacher_checkpoint, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = build_cfg(rel, trees, teacher_checkpoint, tmp_path)
    train_one_iteration_and_validate(cfg)


# ---- offline pseudo-label round -------------------------------------------
VST = 'configs/uda/viper2cityscapes/vat2st_deeplabv2-caffe_r101-d8_viper2cityscapes.py'


def gen_tool():
    return load_tool('tools/misc/gen_pseudo_labels.py')


def test_offline_pseudo_label_round(trees, teacher_checkpoint, tmp_path,
                                    monkeypatch):
    from uda_video.datasets.transforms import pseudo_label_path
    from uda_video.registry import DATASETS, MODELS
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    monkeypatch.chdir(REPO)
    cfg = build_cfg(VST, trees, teacher_checkpoint, tmp_path / 'work')
    config = str(tmp_path / 'vst.py')
    cfg.dump(config)
    model = MODELS.build(cfg.model)
    ckpt = tmp_path / 'phase1.pth'
    torch.save(dict(state_dict={k: v for k, v in model.state_dict().items()
                                if not k.startswith('teacher.')}, meta={}),
               ckpt)
    tool = gen_tool()
    # A loader that labels only the annotated frames misses frames the
    # training target set (every frame of each snippet) uses.
    with pytest.raises(ValueError, match='would have no pseudo label') as err:
        tool.main([config, str(ckpt), '--out', str(tmp_path / 'few'),
                   '--cfg-options',
                   'pseudo_label_dataloader.dataset.all_frames=False'])
    assert str(tmp_path / 'few') in str(err.value)
    out = tmp_path / 'round1'
    tool.main([config, str(ckpt), '--out', str(out), '--cfg-options',
               'model.keep_fraction=1.0', 'model.max_threshold=0.0',
               'model.consistency=False'])
    n_frames = trees['out']['frames']['train']
    assert len(list(out.glob('*/*.png'))) == n_frames
    # The next round: labels from the files, random scale and crop.
    cfg.merge_from_dict({
        'model.pseudo_labels': 'files',
        'train_dataloader.dataset': cfg.aug_pipelines.scale_crop,
    })
    cfg.train_dataloader.dataset.target.pipeline[1].pseudo_label_dir = str(out)
    assert [t['type'] for t in cfg.train_dataloader.dataset.target.pipeline[
        :3]] == ['LoadClip', 'LoadPseudoLabel', 'ClipBroadcaster']
    assert 'FlowAwareRandomCrop' in str(cfg.train_dataloader.dataset.target)
    runner, _ = train_one_iteration_and_validate(cfg)
    kept = runner.message_hub.get_scalar('train/tgt.pseudo.kept').current()
    assert kept > 0.5  # every pixel labelled (threshold 0), crop padding aside
    # A folder that lacks a frame the training set needs: named at loading.
    target = DATASETS.build(cfg.train_dataloader.dataset.target)
    info = target.get_data_info(5)
    missing = pseudo_label_path(str(out), info['video_id'], info['frame_id'])
    os.remove(missing)
    with pytest.raises(FileNotFoundError, match='pseudo label file not found') \
            as err:
        target[5]
    assert missing in str(err.value)
    assert np.isfinite(kept)
