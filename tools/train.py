"""Train a segmentor (image, video or UDA) from an mmengine config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
                          [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse

from mmengine.config import DictAction

from uda_video.apis.train import (build_train_config, parse_runner_args,
                                  train)
from uda_video.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='mixed-precision training: float16 autocast with dynamic loss '
        'scaling on CUDA (AmpOptimWrapper), bfloat16 autocast on CPU '
        '(CPUAmpOptimWrapper); every named optim wrapper of a UDA config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    # --launcher none|pytorch|slurm|mpi and --local-rank: parse_runner_args
    return parse_runner_args(parser)


def build_config(args):
    """The config of the command line ``args``."""
    return build_train_config(
        args.config, work_dir=args.work_dir, resume=args.resume,
        amp=args.amp, cfg_options=args.cfg_options, launcher=args.launcher)


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    train(build_config(args))


if __name__ == '__main__':
    main()
