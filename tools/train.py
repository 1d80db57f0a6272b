"""Train a segmentor (image, video or UDA) from an mmengine config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
                          [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse
import inspect
import logging
import os
import os.path as osp
import re
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner, find_latest_checkpoint

from uda_video.engine.optim_constructor import enable_amp
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
    # torchrun sets LOCAL_RANK; torch.distributed.launch passes --local-rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def check_top_level_keys(cfg: Config) -> None:
    """Fail before anything is built when a top-level key looks like a typo.

    Configs also hold helper variables (crop_size, norm_cfg, ...), so only a
    key that is not a Runner argument but is close to one (``trian_cfg``) is an
    error; mmengine would otherwise ignore it silently.
    """
    known = set(inspect.signature(Runner.__init__).parameters) - {'self'}
    known |= {'runner_type', 'custom_imports', 'model_wrapper_cfg', '_base_',
              'find_unused_parameters'}
    for key in cfg.keys():
        if key in known:
            continue
        close = sorted((edit_distance(key, k), k) for k in known)[0]
        if close[0] <= 1:  # one typo: a letter added, dropped, changed or swapped
            raise KeyError(f'unknown config key "{key}" in {cfg.filename} '
                           f'(or --cfg-options): did you mean "{close[1]}"?')


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, with a swap of neighbours counted once."""
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] != b[j - 1]))
            if (prev2 is not None and i > 1 and j > 1
                    and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]):
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def build_config(args) -> Config:
    """The config with the command line applied (work_dir, amp, resume, launcher)."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        cuda = torch.cuda.is_available()
        if not enable_amp(cfg.optim_wrapper, cuda=cuda):
            print_log('AMP training is already enabled in your config.',
                      logger='current', level=logging.WARNING)
        elif not cuda:
            print_log('CUDA is unavailable: --amp trains with bfloat16 '
                      'autocast on the CPU (CPUAmpOptimWrapper; float16 AMP '
                      'with loss scaling needs a CUDA device)',
                      logger='current', level=logging.WARNING)
    cfg.resume = args.resume or cfg.get('resume', False)
    resolve_resume(cfg)
    check_top_level_keys(cfg)
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    if (args.launcher != 'none' and dist_cfg.get('backend') == 'nccl'
            and not torch.cuda.is_available()):
        print_log('CUDA is unavailable: distributed backend nccl -> gloo',
                  logger='current', level=logging.WARNING)
        cfg.env_cfg.dist_cfg.backend = 'gloo'
    if args.launcher != 'none' and not torch.cuda.is_available():
        if replace_sync_bn(cfg.model):
            print_log('CUDA is unavailable: SyncBN -> BN (per-process '
                      'batch statistics)', logger='current',
                      level=logging.WARNING)
    if (args.launcher != 'none' and not torch.cuda.is_available()
            and cfg.get('model_wrapper_cfg') is None):
        # mmengine passes device_ids=[LOCAL_RANK], which DDP refuses on CPU.
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return cfg


def resolve_resume(cfg: Config) -> None:
    """``--resume`` continues from the work dir's latest checkpoint, even in a
    config with ``load_from`` (phase 2 of UDA starting from phase 1).

    mmengine resumes from ``load_from`` whenever both are set: a resumed
    phase 2 would restart from phase 1's checkpoint (refused by
    CheckpointMatchHook). Here ``load_from`` only names the start: dropped
    when the work dir has a checkpoint, else loaded as a fresh start.
    """
    if not cfg.resume:
        return
    latest = latest_checkpoint(cfg.work_dir)
    if cfg.get('load_from') and latest is None:
        cfg.resume = False  # nothing to resume yet: start from load_from
    elif latest is not None:
        cfg.load_from = latest  # mmengine resumes from load_from when set


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` continues from, or None when there is none.

    ``last_checkpoint`` names it. mmengine writes that file with a plain
    ``open``, so a kill at that moment can leave it empty, and mmengine would
    then silently start again from iteration 0. When it is empty or names a
    missing file, the highest ``iter_N.pth`` of the work dir is used (every
    checkpoint is complete: they are written atomically), with a warning.
    """
    named = find_latest_checkpoint(work_dir) if osp.isdir(work_dir) else None
    if named and osp.isfile(named):
        return named
    iters = []
    if osp.isdir(work_dir):
        for name in os.listdir(work_dir):
            m = re.fullmatch(r'iter_(\d+)\.pth', name)
            if m:
                iters.append((int(m.group(1)), osp.join(work_dir, name)))
    if not iters:
        if named is not None:
            raise FileNotFoundError(
                f'{osp.join(work_dir, "last_checkpoint")} names '
                f'{named!r}, which does not exist, and {work_dir} has no '
                'iter_*.pth checkpoint to resume from')
        return None
    path = max(iters)[1]
    print_log(f'{osp.join(work_dir, "last_checkpoint")} is '
              f'{"empty" if not named else "stale (" + named + ")"}; '
              f'resuming from the latest checkpoint file {path}',
              logger='current', level=logging.WARNING)
    return path


def replace_sync_bn(node) -> bool:
    """Turn every ``type='SyncBN'`` norm config under ``node`` into 'BN'."""
    found = False
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
            found = True
        for value in node.values():
            found |= replace_sync_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            found |= replace_sync_bn(value)
    return found


def init_cpu_process_group(cfg: Config) -> None:
    """Join the torchrun process group on a machine without CUDA.

    mmengine's init_dist for the pytorch launcher always calls
    torch.cuda.set_device; the Runner skips it when a group already exists.
    """
    if (cfg.launcher == 'pytorch' and not torch.cuda.is_available()
            and not torch.distributed.is_initialized()):
        torch.distributed.init_process_group(
            backend=cfg.env_cfg.dist_cfg.get('backend', 'gloo'))


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = build_config(args)
    init_cpu_process_group(cfg)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        from mmengine.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    runner.train()
    if torch.distributed.is_initialized():
        # Leave together: a rank whose peer already exited can abort in
        # gloo's teardown ('terminate called without an active exception').
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


if __name__ == '__main__':
    main()
