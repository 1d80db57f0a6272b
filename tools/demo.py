"""The demo of the two-phase Sim2Real method on the synthetic benchmark.

    python tools/demo.py [--iters N] [--work-dir work_dirs/demo]
                         [--methods NAME ...] [--seed S] [--segmentor NAME]
                         [--data data/synthetic] [--pretrained PATH|none]

``--methods all`` trains every method of METHODS, ``--methods table`` the rows
of the 3-seed table of docs/uda.md (all but VST alone); a method whose config
starts from another's checkpoint trains that one first.

1. generates the benchmark with tools/dataset_converters/make_synthetic_dataset.py (defaults) in
   ``--data`` when absent, and trains the shared backbone initialisation on its
   pretraining domain (PRETRAIN_CONFIG) when ``--pretrained`` is absent;
2. trains source-only, VAT (phase 1), VAT->VST (phase 2 from VAT's final
   checkpoint) and video DACS, each for ``--iters`` iterations with
   tools/train.py;
3. evaluates each final checkpoint (never a val scan) on the target val frames
   (mIoU; VPQ too when the VPQMetric is registered) and prints a table;
4. writes ``demo_figure.png`` in the work dir: a few target frames, their
   ground truth and each method's prediction side by side, and a bar chart.

``--segmentor dff|tdnet|tcd|accel`` trains that video segmentor's adapted
configs instead (source-only, VAT, VAT->VST, video-DACS where its config
exists; the TCD student's source-trained teacher first), scores temporal
consistency too and measures each model's test speed with tools/analysis_tools/benchmark.py.
"""
import argparse
import json
import os
import os.path as osp
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG_DIR = 'configs/uda/synthetic'
DATA = 'data/synthetic'  # where the synthetic configs read the benchmark
# The stand-in for ImageNet initialisation, trained once and reused by every
# method of METHODS (its backbone part).
PRETRAIN_CONFIG = ('configs/synthetic/'
                   'pretrain_deeplabv2_r18-half-d8_synthetic.py')
PRETRAIN_ITERS = 2000
PRETRAINED = 'work_dirs/pretrained/deeplabv2_r18-half-d8_synthetic-pretrain.pth'
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
DEMO_METHODS = ['source-only', 'VAT', 'VAT->VST', 'video-DACS']
# The 3-seed comparison of docs/uda.md (`--methods table`): every method but
# VST alone.
TABLE_METHODS = ['source-only', 'AdaptSegNet-style', 'AdvEnt', 'entropy-min',
                 'VAT', 'image-ST', 'VAT->VST', 'DACS', 'video-DACS',
                 'DA-VSN-style', 'TPS-style', 'target-oracle']
# The video segmentors adapted through the UDA <-> segmentor seam: name ->
# (config folder, network part of the config names). Each has a config per
# method prefix below; `--segmentor NAME` trains those instead of METHODS.
SEGMENTORS = {
    'dff': (CFG_DIR, 'dff_deeplabv2_r18-half-d8_flownets'),
    'tdnet': (CFG_DIR, 'tdnet_td4-psp18'),
    'tcd': (CFG_DIR, 'tcd_pspnet_r18-half-d8'),
    'accel': ('projects/accel_fusion/configs',
              'accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets'),
}
SEGMENTOR_METHODS = {'source-only': ('source-only-uda', None),
                     'VAT': ('vat', None), 'VAT->VST': ('vat2vst', 'VAT'),
                     'video-DACS': ('video-dacs', None)}
# A segmentor that distils from a teacher trains it first (source labels only).
TEACHERS = {'tcd': 'configs/synthetic/source-only_pspnet_r50-half-d8_synthetic.py'}


def segmentor_methods(segmentor):
    """METHODS-like table of ``segmentor``'s adapted configs that exist."""
    if segmentor not in SEGMENTORS:
        raise KeyError(f'unknown segmentor {segmentor!r}; choose from '
                       f'{list(SEGMENTORS)}')
    folder, network = SEGMENTORS[segmentor]
    table = {}
    for name, (prefix, parent) in SEGMENTOR_METHODS.items():
        config = f'{folder}/{prefix}_{network}_synthetic.py'
        if osp.isfile(osp.join(REPO, config)):
            table[name] = (config, parent)
    return table


def resolve_methods(names, methods=METHODS):
    """The methods to train, each after the one its checkpoint comes from."""
    if names == ['all']:
        names = list(methods)
    elif names == ['table'] and methods is METHODS:
        names = TABLE_METHODS
    unknown = [n for n in names if n not in methods]
    if unknown:
        raise KeyError(f'unknown method(s) {unknown}; choose from '
                       f'{list(methods)} or all')
    order = []
    for name in names:
        chain = []
        while name is not None and name not in order and name not in chain:
            chain.append(name)
            name = methods[name][1]
        order.extend(reversed(chain))
    return order


def parse_args():
    parser = argparse.ArgumentParser(description='Sim2Real video UDA demo')
    parser.add_argument('--iters', type=int,
                        default=int(os.environ.get('DEMO_ITERS', 600)),
                        help='training iterations per stage')
    parser.add_argument('--work-dir', default=os.environ.get(
        'DEMO_WORK_DIR', 'work_dirs/demo'))
    parser.add_argument('--methods', nargs='+', default=DEMO_METHODS,
                        help=f'methods to train (or all, or table = the 3-seed '
                        f'table\'s): {list(METHODS)}')
    parser.add_argument('--seed', type=int, default=0,
                        help='randomness.seed of every training')
    parser.add_argument(
        '--segmentor', choices=list(SEGMENTORS),
        help='train the adapted configs of this video segmentor (methods '
        f'among {list(SEGMENTOR_METHODS)}) and measure their speed')
    parser.add_argument(
        '--data', default=DATA,
        help='benchmark root the configs read (generated when absent)')
    parser.add_argument(
        '--pretrained', default=PRETRAINED,
        help='checkpoint whose backbone initialises every method of the '
        'table (trained on the pretraining domain when absent); none = '
        'random initialisation')
    parser.add_argument('--pretrain-iters', type=int, default=PRETRAIN_ITERS,
                        help='iterations of the pretraining (when it runs)')
    parser.add_argument(
        '--eval', nargs=3, metavar=('CONFIG', 'CHECKPOINT', 'OUT_JSON'),
        help='(internal) evaluate one checkpoint in this process; each '
        'stage runs it in a fresh process')
    return parser.parse_args()


def run(cmd):
    """Run a tool of the repo, streaming its output (the progress)."""
    from uda_video.apis.run_tool import run_repo_tool
    run_repo_tool(cmd, REPO)


def train_stage(config, iters, work, seed, load_from=None, teacher=None,
                pretrained=None, data=DATA):
    """Train ``config`` for ``iters``; returns (stage config, checkpoint)."""
    cfg = stage_config(config, iters, work, load_from, seed, teacher,
                       pretrained, data)
    run(['tools/train.py', cfg, '--work-dir', work])
    return cfg, osp.join(work, f'iter_{iters}.pth')


def stage_config(config, iters, work_dir, load_from=None, seed=0,
                 teacher=None, pretrained=None, data=DATA):
    """Write ``work_dir/stage.py``: ``config`` shortened to ``iters``.

    ``teacher``: a checkpoint for the adapted segmentor's distillation
    teacher (``model.segmentor.teacher_checkpoint``). ``pretrained``: a
    checkpoint whose ``backbone.*`` weights initialise the backbone.
    ``data``: the benchmark root read instead of ``data/synthetic``.
    """
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
    base = Config.fromfile(osp.join(REPO, config))
    names = base.param_scheduler
    if isinstance(names, dict):  # one schedule per named optimizer
        lines.append('param_scheduler = dict(' + ', '.join(
            f'{name}={poly}' for name in names) + ')')
    else:
        lines.append(f'param_scheduler = {poly}')
    if load_from is not None:
        lines.append(f'load_from = {load_from!r}')
    model = {}
    if teacher is not None:
        model['segmentor'] = dict(teacher_checkpoint=teacher)
    if pretrained is not None:
        if not osp.isfile(pretrained):
            raise FileNotFoundError(
                f'pretrained backbone {pretrained} not found: train it with '
                f'python tools/train.py {PRETRAIN_CONFIG}')
        init = dict(backbone=dict(init_cfg=dict(
            type='Pretrained', checkpoint=osp.abspath(pretrained),
            prefix='backbone.')))
        if 'segmentor' in base.model:
            model.setdefault('segmentor', {}).update(init)
        else:
            model.update(init)
    if model:
        lines.append(f'model = {model!r}')
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, 'stage.py')
    with open(path, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    if osp.normpath(data) != osp.normpath(DATA):
        cfg = Config.fromfile(path)
        retargeted = Config(_retarget(cfg.to_dict(), DATA, data))
        retargeted.dump(path)
    return path


def _retarget(value, old, new):
    """``value`` with every path string under ``old`` moved under ``new``."""
    if isinstance(value, dict):
        return {k: _retarget(v, old, new) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_retarget(v, old, new) for v in value)
    if isinstance(value, str) and (value == old or value.startswith(old + '/')):
        return new + value[len(old):]
    return value


def evaluate(config, checkpoint, work_dir):
    """Metrics of ``checkpoint`` on the target val frames (in process)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from uda_video.registry import METRICS
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):  # test only
        cfg[key] = None
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
        # Temporal consistency where the config scores it (video configs).
        evaluators += [m for m in cfg.get('video_evaluator', [])
                       if m['type'] == 'TemporalConsistencyMetric']
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
    data = args.data
    if not osp.isdir(data):
        run(['tools/dataset_converters/make_synthetic_dataset.py', '--out', data])
    else:
        info = osp.join(data, 'benchmark.json')
        if osp.isfile(info):
            with open(info) as fh:
                print(f'[demo] using the benchmark in {data}: {fh.read()}')
        else:
            print(f'[demo] WARNING: {data} has no benchmark.json: it was '
                  'written before the gap dials (appearance gap 1, content '
                  'gap 0, no pretraining domain); regenerate it with '
                  'tools/dataset_converters/make_synthetic_dataset.py for the '
                  'calibrated benchmark')
    ckpts, cfgs, results = {}, {}, {}
    methods = (segmentor_methods(args.segmentor) if args.segmentor
               else METHODS)
    # The shared initialisation fits the per-frame network of METHODS.
    pretrained = (None if args.pretrained == 'none' or args.segmentor
                  else args.pretrained)
    if pretrained is not None and not osp.isfile(pretrained):
        work = osp.dirname(pretrained)
        print(f'\n[demo] pretrain the backbone on the pretraining domain '
              f'({args.pretrain_iters} iterations) -> {work}', flush=True)
        _, made = train_stage(PRETRAIN_CONFIG, args.pretrain_iters, work, 0,
                              data=data)
        if osp.abspath(made) != osp.abspath(pretrained):
            os.replace(made, pretrained)
    stages = resolve_methods(args.methods, methods)
    teacher = None
    if args.segmentor in TEACHERS:
        work = osp.join(args.work_dir, 'teacher')
        teacher = osp.join(work, f'iter_{args.iters}.pth')
        if osp.isfile(teacher):  # a finished teacher of this work dir
            print(f'[demo] the teacher of {args.segmentor}: {teacher}')
        else:
            print(f'\n[demo] train the teacher of {args.segmentor} on the '
                  f'source ({args.iters} iterations) -> {work}', flush=True)
            _, teacher = train_stage(TEACHERS[args.segmentor], args.iters,
                                     work, args.seed, data=data)
    for i, name in enumerate(stages):
        config, parent = methods[name]
        work = osp.join(args.work_dir, name.replace('->', '2'))
        print(f'\n[demo] stage {i + 1}/{len(stages)}: train {name} '
              f'({args.iters} iterations, seed {args.seed}) -> {work}',
              flush=True)
        cfg, ckpts[name] = train_stage(
            config, args.iters, work, args.seed,
            ckpts[parent] if parent else None, teacher,
            None if parent else pretrained, data)
        print(f'[demo] evaluate {name} on the target val frames', flush=True)
        out = osp.join(work, 'metrics.json')
        run(['tools/demo.py', '--eval', cfg, ckpts[name], out])
        with open(out) as fh:
            results[name] = json.load(fh)
        # Self-training methods: their pseudo labels' precision, coverage
        # and mIoU against the target ground truth over the last half of
        # training (logged where a target frame has labels).
        from uda_video.apis import logged_means
        results[name].update(logged_means(work, 'pl.'))
        cfgs[name] = cfg
    if args.segmentor:
        # Test speed of every model back to back (same load on the machine):
        # adaptation changes weights only, so the speeds should agree.
        for name, cfg in cfgs.items():
            speed = osp.join(osp.dirname(cfg), 'speed.json')
            run(['tools/analysis_tools/benchmark.py', cfg, '--checkpoint', ckpts[name],
                 '--frames', '60', '--warmup', '10', '--out', speed])
            with open(speed) as fh:
                results[name]['fps'] = json.load(fh)['fps']
    keys = sorted({k for m in results.values() for k, v in m.items()
                   if k in ('mIoU', 'svpq_all', 'svpq_stuff', 'svpq_thing',
                            'TC', 'fps', 'pl.precision', 'pl.coverage',
                            'pl.mIoU')})
    print('\n[demo] results on the synthetic target val split '
          f'({args.iters} iterations per stage, seed {args.seed}, '
          f'{(time.time() - start) / 60:.1f} min)')
    header = '| method | ' + ' | '.join(keys) + ' |'
    print(header)
    print('|' + '---|' * (len(keys) + 1))
    for name, metrics in results.items():
        print(f'| {name} | ' + ' | '.join(
            f'{metrics[k]:.2f}' if k in metrics else '-' for k in keys) + ' |')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as fh:
        json.dump(results, fh, indent=2)
    write_figure(cfgs, ckpts, results, keys,
                 osp.join(args.work_dir, 'demo_figure.png'))


def write_figure(cfgs, ckpts, results, keys, out, frames=(0, 15, 30)):
    """Target frames, their ground truth and each method's prediction side
    by side, above a bar chart of the table, in one PNG."""
    from uda_video.apis import predict_frames
    from uda_video.visualization import write_demo_figure
    shown = {name: predict_frames(cfgs[name], ckpts[name], list(frames))
             for name in cfgs}
    first = next(iter(shown.values()))
    # The chart shows the scores of the predictions: frames per second and
    # the pseudo labels' quality (self-training methods only) are left out.
    table = {name: {k: m[k] for k in keys
                    if k in m and k != 'fps' and not k.startswith('pl.')}
             for name, m in results.items()}
    write_demo_figure(first.frames, first.gts,
                      {name: p.predictions for name, p in shown.items()},
                      table, first.palette, out)
    print(f'[demo] figure (frames, ground truth, predictions, chart) -> {out}')


if __name__ == '__main__':
    main()
