"""Test a checkpoint of a segmentor on the config's test split.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
                         [--color-out DIR] [--show-dir DIR]
                         [--format-vps DIR]
                         [--cfg-options ...] [--launcher ...]

Every metric of ``test_evaluator`` (one or a list: VideoIoUMetric, VPQMetric,
TemporalConsistencyMetric, ...) runs in the same pass. Writes
``WORK_DIR/test_results.json`` (all metrics, config, checkpoint) and
``WORK_DIR/per_class_results.md`` (per-class values, e.g. ``IoU.road``);
``--out`` saves the predicted label maps as PNG, ``--color-out`` the same
colourized with the dataset's palette; ``--format-vps`` writes the
predictions of a Cityscapes-VPS test as the official submission
(``DIR/pred.json``, ``DIR/pan_pred/<image id>.png``, read by
``tools/eval_vpq.py``), with the instances of the config's ``VPQMetric``
(derived ones when it sets ``derive_instances``).
"""
import argparse
import json
import math
import os
import os.path as osp
import time
from collections import OrderedDict

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import Runner
from PIL import Image

from uda_video.engine import TestProgressBarHook
from uda_video.evaluation.vps_submission import VPSSubmissionWriter
from uda_video.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(description='Test a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save the file of metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='directory to save the predicted segmentation maps as PNG')
    parser.add_argument(
        '--color-out',
        type=str,
        help='directory to save the predictions colourized by the palette')
    parser.add_argument(
        '--show-dir',
        help='directory to save colourized predictions beside the input')
    parser.add_argument(
        '--format-vps',
        metavar='DIR',
        help='write the Cityscapes-VPS submission (pred.json, pan_pred/) '
        'to DIR')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value (xxx=yyy format)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_config(args) -> Config:
    """The config with the command line applied (checkpoint, outputs, launcher)."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.show_dir:
        hooks = cfg.default_hooks
        if 'visualization' not in hooks:
            raise KeyError('--show-dir needs default_hooks.visualization '
                           '(a SegVisualizationHook) in the config')
        hooks.visualization.draw = True
        hooks.visualization.interval = 1
        cfg.visualizer.save_dir = args.show_dir
    return cfg


class PredictionWriterHook(Hook):
    """Save ``pred_sem_seg`` of every test sample as PNG, named by img_path.

    Args:
        out_dir: label maps (uint8 class ids).
        color_dir: colourized maps (RGB, dataset palette; ignore = black).
    """

    def __init__(self, out_dir=None, color_dir=None):
        self.out_dir, self.color_dir = out_dir, color_dir
        for d in (out_dir, color_dir):
            if d:
                os.makedirs(d, exist_ok=True)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        palette = np.zeros((256, 3), np.uint8)
        meta_palette = runner.test_dataloader.dataset.metainfo.get('palette')
        if self.color_dir and not meta_palette:
            raise KeyError('--color-out needs a palette in the test '
                           "dataset's metainfo")
        if meta_palette:
            palette[:len(meta_palette)] = np.asarray(meta_palette, np.uint8)
        for sample in outputs:
            name = osp.splitext(osp.basename(sample.img_path))[0] + '.png'
            label = sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
            if self.out_dir:
                Image.fromarray(label).save(osp.join(self.out_dir, name))
            if self.color_dir:
                Image.fromarray(palette[label]).save(
                    osp.join(self.color_dir, name))


class VPSSubmissionHook(Hook):
    """Write the test predictions as a Cityscapes-VPS submission."""

    def __init__(self, out_dir, evaluators):
        self.out_dir = out_dir
        self.evaluators = evaluators
        self.writer = None

    def before_test(self, runner):
        if get_world_size() > 1:
            raise RuntimeError('--format-vps writes one submission from one '
                               'process; run the test without a launcher')
        self.writer = VPSSubmissionWriter.from_dataset(
            self.out_dir, runner.test_dataloader.dataset, self.evaluators)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        for sample in outputs:
            self.writer.add(sample)

    def after_test_epoch(self, runner, metrics=None):
        path = self.writer.close()
        runner.logger.info(f'Cityscapes-VPS submission written to {path}')


def _plain(value):
    """JSON-safe scalar (NaN -> None)."""
    if isinstance(value, (np.generic, )):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def per_class_table(metrics: dict) -> str:
    """Markdown table of metrics named ``[prefix/]Name.class``."""
    columns, rows = [], OrderedDict()
    for key, val in metrics.items():
        if '.' not in key:
            continue
        name, cls = key.rsplit('.', 1)
        if name not in columns:
            columns.append(name)
        rows.setdefault(cls, {})[name] = val
    if not rows:
        return ''
    lines = ['| class | ' + ' | '.join(columns) + ' |',
             '|---' * (len(columns) + 1) + '|']
    for cls, vals in rows.items():
        cells = ['' if vals.get(c) is None else f'{vals[c]:.2f}'
                 for c in columns]
        lines.append(f'| {cls} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def write_results(work_dir: str, metrics: dict, config: str,
                  checkpoint: str) -> None:
    """test_results.json and per_class_results.md in ``work_dir``."""
    os.makedirs(work_dir, exist_ok=True)
    clean = {k: _plain(v) for k, v in metrics.items()}
    with open(osp.join(work_dir, 'test_results.json'), 'w') as f:
        json.dump(dict(config=config, checkpoint=checkpoint,
                       method=osp.splitext(osp.basename(config))[0],
                       time=time.strftime('%Y-%m-%d %H:%M:%S'),
                       metrics=clean), f, indent=1)
    with open(osp.join(work_dir, 'per_class_results.md'), 'w') as f:
        f.write(per_class_table(clean))


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = build_config(args)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(TestProgressBarHook())
    if args.out or args.color_out:
        runner.register_hook(
            PredictionWriterHook(args.out, args.color_out), priority='LOW')
    if args.format_vps:
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        runner.register_hook(
            VPSSubmissionHook(args.format_vps, evaluators), priority='LOW')
    metrics = runner.test()
    if is_main_process():
        write_results(cfg.work_dir, metrics, args.config, args.checkpoint)


if __name__ == '__main__':
    main()
