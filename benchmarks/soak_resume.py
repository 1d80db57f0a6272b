"""Soak test of exact resume: train with a SIGKILL + --resume every K iterations
and compare the final weights with an uninterrupted run of the same config.

    .venv/bin/python benchmarks/soak_resume.py CONFIG --iters 1000 --kill-every 100 \
        --work-dir work_dirs/soak [--cfg-options k=v ...]

Each leg runs tools/train.py until the checkpoint of the next kill point is
recorded (work-dir/last_checkpoint names it), kills it with SIGKILL at a random
moment up to --max-kill-delay seconds after that (mid-iteration or mid-save),
and resumes. Checkpoints are saved every K iterations; each leg's output is in
work-dir/logs/ (uninterrupted.log, leg0.log, ...). Prints and writes
(work-dir/soak.json) the number of kills, the iteration each resume started
from (`resumed_from`; a kill that came after the next checkpoint resumes
later than its kill point), whether every tensor of the final
checkpoints (weights, buffers, optimizer states) is identical (NaN equal to
NaN in the same place), the largest absolute difference and the first keys
that differ.
"""
import argparse
import json
import os
import os.path as osp
import random
import re
import signal
import subprocess
import sys
import time

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
import uda_video  # noqa: E402,F401  (checkpoint allow-list)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--iters', type=int, default=1000)
    p.add_argument('--kill-every', type=int, default=100)
    p.add_argument('--work-dir', default='work_dirs/soak')
    p.add_argument('--seed', type=int, default=0, help='seed of kill times')
    p.add_argument('--max-kill-delay', type=float, default=1.0,
                   help='each kill comes a random 0..this many seconds after '
                   'the checkpoint is recorded in last_checkpoint')
    p.add_argument('--cfg-options', nargs='+', default=[])
    return p.parse_args()


def train_cmd(cfg, work_dir, iters, every, extra, resume=False):
    cmd = [sys.executable, osp.join(REPO, 'tools/train.py'), cfg,
           '--work-dir', work_dir]
    if resume:
        cmd.append('--resume')
    return cmd + ['--cfg-options', f'train_cfg.max_iters={iters}',
                  f'default_hooks.checkpoint.interval={every}',
                  'default_hooks.checkpoint.max_keep_ckpts=-1',
                  'randomness.deterministic=True'] + extra


def load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def flatten(obj, prefix=''):
    """{'a.b.0': tensor, ...} of the tensors nested in dicts and lists."""
    if torch.is_tensor(obj):
        return {prefix: obj}
    items = (obj.items() if isinstance(obj, dict) else
             enumerate(obj) if isinstance(obj, (list, tuple)) else ())
    out = {}
    for k, v in items:
        out.update(flatten(v, f'{prefix}.{k}' if prefix else str(k)))
    return out


def same(x, y):
    """Bit-identical values; NaN equals NaN in the same place (e.g. the
    running class thresholds of self-training start as NaN)."""
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.is_floating_point():
        return bool(((x == y) | (torch.isnan(x) & torch.isnan(y))).all())
    return torch.equal(x, y)


def abs_diff(x, y):
    if x.shape != y.shape or not x.numel():
        return 0.0 if x.shape == y.shape else float('inf')
    x, y = x.double(), y.double()
    nan_x, nan_y = torch.isnan(x), torch.isnan(y)
    if not torch.equal(nan_x, nan_y):
        return float('inf')
    return float((x - y).abs().masked_fill(nan_x, 0).max())


def compare(a, b):
    """Tensors of two checkpoints (weights, buffers, optimizer states):
    the keys whose values differ, and the largest absolute difference."""
    a, b = flatten(a), flatten(b)
    different = sorted(set(a) ^ set(b))
    different += [k for k in sorted(set(a) & set(b)) if not same(a[k], b[k])]
    max_diff = max([abs_diff(a[k], b[k]) for k in set(a) & set(b)] + [0.0])
    return different, max_diff


def last_iteration(work_dir):
    """The iteration of the checkpoint named by work_dir/last_checkpoint
    (what --resume continues from), 0 without one."""
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(path):
        return 0
    with open(path) as f:
        match = re.search(r'iter_(\d+)\.pth$', f.read().strip())
    return int(match.group(1)) if match else 0


def fail(log_path, what):
    """Exit naming the leg that failed, with the end of its log."""
    with open(log_path) as f:
        tail = f.read()[-4000:]
    sys.exit(f'{what}; end of {log_path}:\n{tail}')


def run_leg(cmd, log_path):
    """Run one training leg to its end, its output in ``log_path``."""
    with open(log_path, 'w') as log:
        code = subprocess.run(cmd, cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT).returncode
    if code:
        fail(log_path, f'training exited with {code}')


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    ref_dir = osp.join(args.work_dir, 'uninterrupted')
    soak_dir = osp.join(args.work_dir, 'killed')
    logs = osp.join(args.work_dir, 'logs')  # every leg's stdout and stderr
    os.makedirs(logs, exist_ok=True)
    run_leg(train_cmd(args.config, ref_dir, args.iters, args.kill_every,
                      args.cfg_options), osp.join(logs, 'uninterrupted.log'))
    kills = 0
    resume = False
    resumed_from = []
    for stop in range(args.kill_every, args.iters, args.kill_every):
        log_path = osp.join(logs, f'leg{kills}.log')
        with open(log_path, 'w') as log:
            proc = subprocess.Popen(
                train_cmd(args.config, soak_dir, args.iters, args.kill_every,
                          args.cfg_options, resume=resume),
                cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        # The checkpoint counts once last_checkpoint names it (written
        # after the checkpoint itself).
        while last_iteration(soak_dir) < stop:
            if proc.poll() is not None:
                fail(log_path, f'training exited ({proc.returncode}) '
                     f'before the checkpoint of iteration {stop}')
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, args.max_kill_delay))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        resume = True
        # Normally `stop`; later when the kill came after the next
        # checkpoint (then that resume point was not tested).
        resumed_from.append(last_iteration(soak_dir))
        print(f'killed after iteration {stop} ({kills} kills), resuming '
              f'from iteration {resumed_from[-1]}', flush=True)
    run_leg(train_cmd(args.config, soak_dir, args.iters, args.kill_every,
                      args.cfg_options, resume=True),
            osp.join(logs, f'leg{kills}.log'))
    a = load(osp.join(ref_dir, f'iter_{args.iters}.pth'))
    b = load(osp.join(soak_dir, f'iter_{args.iters}.pth'))
    different, max_diff = compare(
        dict(state_dict=a['state_dict'], optimizer=a.get('optimizer')),
        dict(state_dict=b['state_dict'], optimizer=b.get('optimizer')))
    result = dict(config=args.config, iters=args.iters,
                  kill_every=args.kill_every, kills=kills,
                  resumed_from=resumed_from,
                  identical=not different, max_abs_diff=max_diff,
                  tensors=len(flatten(a['state_dict'])),
                  different=different[:20])
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'soak.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
