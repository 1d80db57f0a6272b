"""The config of a training run as ``tools/train.py`` builds it.

``build_train_config`` applies the command line (work dir, resume, AMP,
launcher) to a config and adapts it to the machine: ``resolve_resume``
continues from the work dir's latest complete checkpoint, and a distributed
run without CUDA falls back to gloo, BN instead of SyncBN and DDP without
device ids (``cpu_distributed_fallbacks``).
"""
import inspect
import logging
import os
import os.path as osp
import re
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner, find_latest_checkpoint

from uda_video.engine.optim_constructor import enable_amp


def load_config(config: str, cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """``config`` with ``cfg_options`` merged, the launcher set and a work
    dir: ``work_dir``, else the config's, else ``./work_dirs/<config name>``
    (mmseg's rule for tools/train.py and tools/test.py)."""
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    return cfg


def build_train_config(config: str, work_dir: Optional[str] = None,
                       resume: bool = False, amp: bool = False,
                       cfg_options: Optional[dict] = None,
                       launcher: str = 'none') -> Config:
    """The config of ``tools/train.py CONFIG`` with its flags applied.

    Raises:
        KeyError naming the file when a top-level key looks like a typo of a
        Runner argument (:func:`check_top_level_keys`).
    """
    cfg = load_config(config, cfg_options, work_dir, launcher)
    if amp:
        cuda = torch.cuda.is_available()
        if not enable_amp(cfg.optim_wrapper, cuda=cuda):
            print_log('AMP training is already enabled in your config.',
                      logger='current', level=logging.WARNING)
        elif not cuda:
            print_log('CUDA is unavailable: --amp trains with bfloat16 '
                      'autocast on the CPU (CPUAmpOptimWrapper; float16 AMP '
                      'with loss scaling needs a CUDA device)',
                      logger='current', level=logging.WARNING)
    cfg.resume = resume or cfg.get('resume', False)
    resolve_resume(cfg)
    check_top_level_keys(cfg)
    if launcher != 'none' and not torch.cuda.is_available():
        cpu_distributed_fallbacks(cfg)
    return cfg


def cpu_distributed_fallbacks(cfg: Config) -> None:
    """Make a distributed config run on CPU processes (in place): nccl ->
    gloo, SyncBN -> BN (per-process batch statistics) and DDP without
    ``device_ids`` (mmengine passes ``[LOCAL_RANK]``, which DDP refuses on
    CPU) unless the config sets ``model_wrapper_cfg``."""
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    if dist_cfg.get('backend') == 'nccl':
        print_log('CUDA is unavailable: distributed backend nccl -> gloo',
                  logger='current', level=logging.WARNING)
        cfg.env_cfg.dist_cfg.backend = 'gloo'
    if replace_sync_bn(cfg.model):
        print_log('CUDA is unavailable: SyncBN -> BN (per-process '
                  'batch statistics)', logger='current',
                  level=logging.WARNING)
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))


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


def train(cfg: Config) -> None:
    """Build the runner of ``cfg`` (its ``runner_type`` when set) and train;
    a distributed run leaves its process group together at the end."""
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


def parse_runner_args(parser, argv=None):
    """Parse the command line of ``tools/train.py`` / ``tools/test.py`` with
    their shared launcher options added (``--launcher``, ``--local-rank``);
    exports LOCAL_RANK when the launcher did not."""
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torchrun sets LOCAL_RANK; torch.distributed.launch passes --local-rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args
