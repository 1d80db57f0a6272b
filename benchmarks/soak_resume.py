"""Soak test of exact resume: train with a SIGKILL + --resume every K iterations
and compare the final weights with an uninterrupted run of the same config.

    .venv/bin/python benchmarks/soak_resume.py CONFIG --iters 1000 --kill-every 100 \
        --work-dir work_dirs/soak [--cfg-options k=v ...]

Each leg runs tools/train.py until the checkpoint of the next kill point exists,
kills it with SIGKILL at a random moment after that (mid-iteration or mid-save),
and resumes. Checkpoints are saved every K iterations. Prints and writes
(work-dir/soak.json) the number of kills, the largest absolute weight
difference and whether every tensor is identical.
"""
import argparse
import json
import os
import os.path as osp
import random
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


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    ref_dir = osp.join(args.work_dir, 'uninterrupted')
    soak_dir = osp.join(args.work_dir, 'killed')
    subprocess.run(train_cmd(args.config, ref_dir, args.iters,
                             args.kill_every, args.cfg_options),
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    kills = 0
    resume = False
    for stop in range(args.kill_every, args.iters, args.kill_every):
        proc = subprocess.Popen(
            train_cmd(args.config, soak_dir, args.iters, args.kill_every,
                      args.cfg_options, resume=resume),
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        target = osp.join(soak_dir, f'iter_{stop}.pth')
        while not osp.exists(target):
            if proc.poll() is not None:
                raise RuntimeError(f'training exited ({proc.returncode}) '
                                   f'before {target} was written')
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        resume = True
        print(f'killed after iteration {stop} ({kills} kills)', flush=True)
    subprocess.run(train_cmd(args.config, soak_dir, args.iters,
                             args.kill_every, args.cfg_options, resume=True),
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    a = weights(osp.join(ref_dir, f'iter_{args.iters}.pth'))
    b = weights(osp.join(soak_dir, f'iter_{args.iters}.pth'))
    max_diff = max(float((a[k].double() - b[k].double()).abs().max())
                   if a[k].numel() else 0.0 for k in a)
    result = dict(config=args.config, iters=args.iters,
                  kill_every=args.kill_every, kills=kills,
                  identical=all(torch.equal(a[k], b[k]) for k in a),
                  max_abs_diff=max_diff)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'soak.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
