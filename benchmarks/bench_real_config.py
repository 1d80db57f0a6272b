"""Seconds per iteration and peak memory of a real-data config, fp32 and --amp.

Writes a miniature VIPER and Cityscapes-Seq tree in the releases' naming at
the real frame sizes (VIPER 1920x1080 JPEG, Cityscapes 2048x1024 PNG; the
test suite's ``tests/real_trees.py``), builds the config as
``tools/train.py [--amp]`` does (only data roots, the ImageNet checkpoint,
iteration count, workers, checkpointing and validation are overridden) and
trains ``--iters`` iterations once in float32 and once with ``--amp``, each in
a fresh process. Reported: mean seconds per iteration after ``--warmup``
iterations (mmengine's IterTimerHook), and peak memory: CUDA
``max_memory_allocated`` on a GPU, the process's peak resident memory on CPU.

    python benchmarks/bench_real_config.py [--config configs/uda/viper2cityscapes/vat_deeplabv2-caffe_r101-d8_viper2cityscapes.py]
        [--iters 20] [--warmup 5] [--modes fp32 amp] [--shrink 1]
        [--cfg-options KEY=VALUE ...]

``--shrink N`` divides the frame sizes and every resize / crop / pad size of
the config by N, a quick CPU check (the sequence discriminator's four
stride-2 convolutions need logits of at least 16 x 32: ``--shrink 2`` for the
VAT configs, 16 for source-only, e.g. ``--config
configs/uda/viper2cityscapes/source-only_deeplabv2-caffe_r101-d8_viper2cityscapes.py --shrink 16
--iters 3 --warmup 1``).
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = 'configs/uda/viper2cityscapes/vat_deeplabv2-caffe_r101-d8_viper2cityscapes.py'
SIZE_KEYS = ('scale', 'crop_size', 'size')


def make_trees(root: str, shrink: int) -> dict:
    """Miniature VIPER (train) and Cityscapes-Seq (train) trees at the real
    sizes divided by ``shrink``; returns the two roots."""
    sys.path.insert(0, osp.join(REPO, 'tests'))
    from real_trees import make_cityscapes_seq_tree, make_viper_tree
    viper = make_viper_tree(osp.join(root, 'viper'), splits=('train', ),
                            size=(1920 // shrink, 1080 // shrink), seqs=1,
                            frames=21)
    cityscapes = make_cityscapes_seq_tree(
        osp.join(root, 'cityscapes'), splits=('train', ),
        size=(2048 // shrink, 1024 // shrink))
    return {'data/viper': viper['root'], 'data/cityscapes': cityscapes['root']}


def override(node, roots: dict, shrink: int) -> None:
    """In place: data roots -> trees, sizes / shrink, no pretrained file."""
    items = node.items() if hasattr(node, 'items') else enumerate(node)
    for key, value in list(items):
        if isinstance(value, str):
            for real, tree in roots.items():
                if value == real or value.startswith(real + '/'):
                    node[key] = tree + value[len(real):]
        elif (key in SIZE_KEYS and isinstance(value, (list, tuple))
              and len(value) == 2 and all(isinstance(v, int) for v in value)
              and shrink > 1):
            node[key] = tuple(max(8, v // shrink) for v in value)
        elif key == 'init_cfg' and isinstance(value, dict) \
                and value.get('type') == 'Pretrained':
            node[key] = None  # timing does not need the ImageNet weights
        elif isinstance(value, (dict, list)):
            override(value, roots, shrink)


def child(args) -> None:
    """One training run; prints a JSON line with the figures."""
    import torch
    from mmengine.runner import Runner
    from uda_video.apis.train import build_train_config
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = build_train_config(
        args.config, work_dir=args.work_dir, amp=args.mode == 'amp',
        cfg_options=dict(args.cfg_options or {}, load_from=None))
    override(cfg._cfg_dict, json.loads(args.roots), args.shrink)
    cfg.train_dataloader.update(num_workers=2, persistent_workers=False)
    cfg.train_cfg.update(max_iters=args.iters, val_interval=args.iters + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint.update(interval=args.iters + 1,
                                        save_last=False)
    cfg.default_hooks.logger.interval = 1
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    cfg.pop('model_wrapper_cfg', None)
    runner = Runner.from_cfg(cfg)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    runner.train()
    times = runner.message_hub.get_scalar('train/time').data[0]
    steady = list(times[args.warmup:]) or list(times)
    wrapper = runner.optim_wrapper
    wrappers = (list(wrapper.values()) if hasattr(wrapper, 'values')
                else [wrapper])
    if torch.cuda.is_available():
        peak = torch.cuda.max_memory_allocated() / 2**30
        device, unit = torch.cuda.get_device_name(), 'GiB (CUDA allocated)'
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        device, unit = f'CPU ({os.cpu_count()} cores)', 'GiB (peak RSS)'
    print('RESULT ' + json.dumps(dict(
        mode=args.mode, s_per_iter=sum(steady) / len(steady),
        times=[round(float(t), 3) for t in times],
        loss=float(runner.message_hub.get_scalar('train/loss').current()),
        iters=len(times), peak=peak, unit=unit, device=device,
        wrappers=sorted({type(w).__name__ for w in wrappers}))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5,
                        help='first iterations left out of the mean')
    parser.add_argument('--modes', nargs='+', choices=['fp32', 'amp'],
                        default=['fp32', 'amp'])
    parser.add_argument('--shrink', type=int, default=1,
                        help='divide frame sizes and config sizes by N')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides passed to the runs')
    parser.add_argument('--data', help='reuse trees written by an earlier '
                        'run in this folder (default: a temporary folder)')
    # internal: one run in a fresh process
    parser.add_argument('--mode', help=argparse.SUPPRESS)
    parser.add_argument('--roots', help=argparse.SUPPRESS)
    parser.add_argument('--work-dir', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mode is not None:
        from mmengine.config import DictAction
        parsed = argparse.ArgumentParser()
        parsed.add_argument('--o', nargs='*', action=DictAction, default={})
        args.cfg_options = parsed.parse_args(
            ['--o', *args.cfg_options]).o
        return child(args)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or osp.join(tmp, 'data')
        marker = osp.join(data, f'roots_{args.shrink}.json')
        if osp.isfile(marker):
            with open(marker) as f:
                roots = json.load(f)
        else:
            roots = make_trees(data, args.shrink)
            with open(marker, 'w') as f:
                json.dump(roots, f)
        results = []
        for mode in args.modes:
            cmd = [sys.executable, osp.abspath(__file__), '--config',
                   args.config, '--iters', str(args.iters), '--warmup',
                   str(args.warmup), '--shrink', str(args.shrink), '--mode',
                   mode, '--roots', json.dumps(roots), '--work-dir',
                   osp.join(tmp, f'work_{mode}')]
            if args.cfg_options:
                cmd += ['--cfg-options', *args.cfg_options]
            proc = subprocess.run(cmd, cwd=REPO, capture_output=True,
                                  text=True)
            lines = [ln for ln in proc.stdout.splitlines()
                     if ln.startswith('RESULT ')]
            if proc.returncode != 0 or not lines:
                sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-5000:])
                raise SystemExit(f'{mode} run failed ({proc.returncode})')
            results.append(json.loads(lines[-1][len('RESULT '):]))
            print(f'{mode}: seconds per iteration {results[-1]["times"]}, '
                  f'last loss {results[-1]["loss"]:.4f}', flush=True)
    print(f'{args.config}, {args.iters} iterations (mean after '
          f'{args.warmup}), frames / {args.shrink}')
    print('| mode | optim wrappers | device | s/iter | peak memory |')
    print('|---|---|---|---|---|')
    for r in results:
        print(f'| {r["mode"]} | {", ".join(r["wrappers"])} | {r["device"]} | '
              f'{r["s_per_iter"]:.3f} | {r["peak"]:.2f} {r["unit"]} |')


if __name__ == '__main__':
    main()
