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
``tools/analysis_tools/eval_vpq.py``), with the instances of the config's ``VPQMetric``
(derived ones when it sets ``derive_instances``).
"""
import argparse

from mmengine.config import DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from uda_video.apis.test import build_test_config, write_results
from uda_video.apis.train import parse_runner_args
from uda_video.engine import (PredictionWriterHook, TestProgressBarHook,
                              VPSSubmissionHook)
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
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    # --launcher none|pytorch|slurm|mpi and --local-rank: parse_runner_args
    return parse_runner_args(parser)


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = build_test_config(
        args.config, args.checkpoint, work_dir=args.work_dir,
        show_dir=args.show_dir, cfg_options=args.cfg_options,
        launcher=args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(TestProgressBarHook())
    if args.out or args.color_out:
        runner.register_hook(PredictionWriterHook(args.out, args.color_out))
    if args.format_vps:
        runner.register_hook(
            VPSSubmissionHook(args.format_vps, cfg.test_evaluator))
    metrics = runner.test()
    if is_main_process():
        write_results(cfg.work_dir, metrics, args.config, args.checkpoint)


if __name__ == '__main__':
    main()
