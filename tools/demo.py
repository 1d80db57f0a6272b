"""The demo of the two-phase Sim2Real method on the synthetic benchmark.

    python tools/demo.py [--iters N] [--work-dir work_dirs/demo]
                         [--methods NAME ...] [--seed S]

``--methods all`` trains every row of the results table (source-only, the image
baselines, VAT, VST alone, VAT->VST and the target-trained oracle); a method
whose config starts from another's checkpoint trains that one first.

1. generates the benchmark with tools/make_synthetic_dataset.py (defaults) when absent;
2. trains source-only, VAT (phase 1) and VAT->VST (phase 2 from VAT's final
   checkpoint), each for ``--iters`` iterations with tools/train.py;
3. evaluates each final checkpoint (never a val scan) on the target val frames
   (mIoU; VPQ too when the VPQMetric is registered) and prints a table.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG_DIR = 'configs/uda/synthetic'
DATA = 'data/synthetic'  # where the synthetic configs read the benchmark
# name -> (config, the method whose final checkpoint starts it)
METHODS = {
    'source-only': (f'{CFG_DIR}/source-only-uda_deeplabv2_r18-half-d8_synthetic.py', None),
    'AdaptSegNet-style': (f'{CFG_DIR}/adaptsegnet_deeplabv2_r18-half-d8_synthetic.py', None),
    'AdvEnt': (f'{CFG_DIR}/advent_deeplabv2_r18-half-d8_synthetic.py', None),
    'entropy-min': (f'{CFG_DIR}/entropy-min_deeplabv2_r18-half-d8_synthetic.py', None),
    'VAT': (f'{CFG_DIR}/vat_deeplabv2_r18-half-d8_synthetic.py', None),
    'image-ST': (f'{CFG_DIR}/vat2st_deeplabv2_r18-half-d8_synthetic.py', 'VAT'),
    'VST': (f'{CFG_DIR}/vst_deeplabv2_r18-half-d8_synthetic.py', 'source-only'),
    'VAT->VST': (f'{CFG_DIR}/vat2vst_deeplabv2_r18-half-d8_synthetic.py', 'VAT'),
    'DACS': (f'{CFG_DIR}/dacs_deeplabv2_r18-half-d8_synthetic.py', None),
    'video-DACS': (f'{CFG_DIR}/video-dacs_deeplabv2_r18-half-d8_synthetic.py', None),
    'DA-VSN-style': (f'{CFG_DIR}/davsn_deeplabv2_r18-half-d8_synthetic.py', None),
    'TPS-style': (f'{CFG_DIR}/tps_deeplabv2_r18-half-d8_synthetic.py', None),
    'target-oracle':
    ('configs/synthetic/target-oracle_deeplabv2_r18-half-d8_synthetic.py', None),
}
DEMO_METHODS = ['source-only', 'VAT', 'VAT->VST']


def resolve_methods(names):
    """The methods to train, each after the one its checkpoint comes from."""
    if names == ['all']:
        names = list(METHODS)
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        raise KeyError(f'unknown method(s) {unknown}; choose from '
                       f'{list(METHODS)} or all')
    order = []
    for name in names:
        chain = []
        while name is not None and name not in order and name not in chain:
            chain.append(name)
            name = METHODS[name][1]
        order.extend(reversed(chain))
    return order


def parse_args():
    parser = argparse.ArgumentParser(description='Sim2Real video UDA demo')
    parser.add_argument('--iters', type=int,
                        default=int(os.environ.get('DEMO_ITERS', 1000)),
                        help='training iterations per stage')
    parser.add_argument('--work-dir', default=os.environ.get(
        'DEMO_WORK_DIR', 'work_dirs/demo'))
    parser.add_argument('--methods', nargs='+', default=DEMO_METHODS,
                        help=f'methods to train (or all): {list(METHODS)}')
    parser.add_argument('--seed', type=int, default=0,
                        help='randomness.seed of every training')
    parser.add_argument(
        '--eval', nargs=3, metavar=('CONFIG', 'CHECKPOINT', 'OUT_JSON'),
        help='(internal) evaluate one checkpoint in this process; each '
        'stage runs it in a fresh process')
    return parser.parse_args()


def run(cmd):
    """Run a tool of the repo, streaming its output (the progress)."""
    print('$ ' + ' '.join(cmd), flush=True)
    subprocess.run([sys.executable] + cmd, cwd=REPO, check=True)


def stage_config(config, iters, work_dir, load_from=None, seed=0):
    """Write ``work_dir/stage.py``: ``config`` shortened to ``iters``."""
    poly = (f"[dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, "
            f"end={iters}, by_epoch=False)]")
    lines = [
        f"_base_ = [{osp.join(REPO, config)!r}]",
        f"randomness = dict(seed={seed})",
        f"train_cfg = dict(max_iters={iters}, val_interval={iters + 1})",
        f"default_hooks = dict(checkpoint=dict(interval={iters}), "
        "logger=dict(interval=20))",
        # No validation while training: each final checkpoint is evaluated once.
        "val_dataloader = None", "val_cfg = None", "val_evaluator = None",
    ]
    # Every named optimizer (segmentor, discriminator, ...) gets the short poly.
    from mmengine.config import Config
    names = Config.fromfile(osp.join(REPO, config)).param_scheduler
    if isinstance(names, dict):  # one schedule per named optimizer
        lines.append('param_scheduler = dict(' + ', '.join(
            f'{name}={poly}' for name in names) + ')')
    else:
        lines.append(f'param_scheduler = {poly}')
    if load_from is not None:
        lines.append(f'load_from = {load_from!r}')
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, 'stage.py')
    with open(path, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    return path


def evaluate(config, checkpoint, work_dir):
    """Metrics of ``checkpoint`` on the target val frames (in process)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from uda_video.registry import METRICS
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.train_dataloader = None
    cfg.train_cfg = None
    cfg.optim_wrapper = None
    cfg.param_scheduler = None
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook',
                                           draw=False)
    evaluators = [dict(type='IoUMetric', iou_metrics=['mIoU'])]
    if METRICS.get('VPQMetric') is not None and 'target_val_video' in cfg:
        # VPQ needs every frame of each video in order; the predictions are
        # semantic, so each class in a frame is one segment.
        cfg.test_dataloader = dict(
            batch_size=1, num_workers=2, persistent_workers=False,
            sampler=dict(type='VideoSampler'), dataset=cfg.target_val_video)
        evaluators = [dict(type='VideoIoUMetric'),
                      dict(type='VPQMetric', mode='semantic')]
    cfg.test_evaluator = evaluators
    runner = Runner.from_cfg(cfg)
    return runner.test()


def main():
    args = parse_args()
    os.chdir(REPO)
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    if args.eval:
        config, checkpoint, out = args.eval
        metrics = evaluate(config, checkpoint, osp.join(osp.dirname(out),
                                                        'test'))
        with open(out, 'w') as fh:
            json.dump({k: v for k, v in metrics.items()
                       if isinstance(v, (int, float))}, fh, indent=2)
        return
    start = time.time()
    if not osp.isdir(DATA):
        run(['tools/make_synthetic_dataset.py', '--out', DATA])
    else:
        print(f'[demo] using the benchmark in {DATA}')
    ckpts, results = {}, {}
    stages = resolve_methods(args.methods)
    for i, name in enumerate(stages):
        config, parent = METHODS[name]
        work = osp.join(args.work_dir, name.replace('->', '2'))
        print(f'\n[demo] stage {i + 1}/{len(stages)}: train {name} '
              f'({args.iters} iterations, seed {args.seed}) -> {work}',
              flush=True)
        cfg = stage_config(config, args.iters, work,
                           ckpts[parent] if parent else None, args.seed)
        run(['tools/train.py', cfg, '--work-dir', work])
        ckpts[name] = osp.join(work, f'iter_{args.iters}.pth')
        print(f'[demo] evaluate {name} on the target val frames', flush=True)
        out = osp.join(work, 'metrics.json')
        run(['tools/demo.py', '--eval', cfg, ckpts[name], out])
        with open(out) as fh:
            results[name] = json.load(fh)
    keys = sorted({k for m in results.values() for k, v in m.items()
                   if k in ('mIoU', 'svpq_all', 'svpq_stuff', 'svpq_thing')})
    print('\n[demo] results on the synthetic target val split '
          f'({args.iters} iterations per stage, seed {args.seed}, '
          f'{(time.time() - start) / 60:.1f} min)')
    header = '| method | ' + ' | '.join(keys) + ' |'
    print(header)
    print('|' + '---|' * (len(keys) + 1))
    for name, metrics in results.items():
        print(f'| {name} | ' + ' | '.join(
            f'{metrics[k]:.2f}' for k in keys) + ' |')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as fh:
        json.dump(results, fh, indent=2)


if __name__ == '__main__':
    main()
