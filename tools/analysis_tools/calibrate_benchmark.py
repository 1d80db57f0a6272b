"""Calibrate the synthetic benchmark's domain gap: source-only against the oracle.

    python tools/analysis_tools/calibrate_benchmark.py [--appearance 0.5 1.0] \
        [--content 0.0 1.0] [--init pretrained scratch] [--iters 1000] [--seed 0] \
        [--work-dir work_dirs/calibration]

For every (appearance gap, content gap) pair it writes a benchmark with
tools/dataset_converters/make_synthetic_dataset.py (``--appearance-gap``,
``--content-gap``) under ``WORK_DIR/a{A}_c{C}/data``, then, for every
initialisation (``pretrained``: the backbone trained once on the pretraining
domain, shared by all pairs; ``scratch``: random), trains source-only and the
target-trained oracle with tools/demo.py and evaluates their final checkpoints
on the target val frames. Prints and writes (``WORK_DIR/calibration.json``,
``calibration.md``) one row per run: the gaps, the initialisation, source-only
and oracle mIoU and their ratio, the number the calibration aims at 45-65 %.
"""
import argparse
import json
import os
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INITS = ('pretrained', 'scratch')
DEMO_PRETRAINED = 'work_dirs/pretrained/deeplabv2_r18-half-d8_synthetic-pretrain.pth'


def parse_args():
    parser = argparse.ArgumentParser(
        description='Source-only and oracle mIoU as the domain gap changes')
    parser.add_argument('--appearance', type=float, nargs='+', default=[1.0],
                        help='appearance gaps (0 = source look, 1 = target)')
    parser.add_argument('--content', type=float, nargs='+', default=[1.0],
                        help='content gaps (0 = source scenes, 1 = target)')
    parser.add_argument('--init', nargs='+', choices=INITS,
                        default=list(INITS), help='backbone initialisations')
    parser.add_argument('--iters', type=int, default=1000,
                        help='training iterations of each model')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--pretrained', default=DEMO_PRETRAINED,
                        help='the shared pretrained checkpoint (trained by '
                        'tools/demo.py when absent)')
    parser.add_argument('--pretrain-iters', type=int, default=2000,
                        help='iterations of the pretraining (when it runs)')
    parser.add_argument('--work-dir', default='work_dirs/calibration')
    return parser.parse_args()


def run(cmd):
    from uda_video.apis.run_tool import run_repo_tool
    run_repo_tool(cmd, REPO)


def ratio_row(appearance, content, init, results):
    """One table row from tools/demo.py's results (mIoU of both models)."""
    for name in ('source-only', 'target-oracle'):
        if name not in results or 'mIoU' not in results[name]:
            raise KeyError(f'no mIoU of {name} in the results {results}')
    src = results['source-only']['mIoU']
    oracle = results['target-oracle']['mIoU']
    return dict(appearance=appearance, content=content, init=init,
                source_only=src, oracle=oracle,
                ratio=100.0 * src / oracle if oracle > 0 else float('nan'))


def markdown(rows):
    lines = ['| appearance gap | content gap | init | source-only mIoU | '
             'oracle mIoU | source-only / oracle (%) |',
             '|---|---|---|---|---|---|']
    lines += [f"| {r['appearance']:g} | {r['content']:g} | {r['init']} | "
              f"{r['source_only']:.2f} | {r['oracle']:.2f} | {r['ratio']:.1f} |"
              for r in rows]
    return '\n'.join(lines)


def main():
    args = parse_args()
    os.chdir(REPO)
    rows = []
    for a in args.appearance:
        for c in args.content:
            root = osp.join(args.work_dir, f'a{a:g}_c{c:g}')
            data = osp.join(root, 'data')
            if not osp.isdir(data):
                run(['tools/dataset_converters/make_synthetic_dataset.py', '--out', data,
                     '--seed', str(args.seed), '--appearance-gap', str(a),
                     '--content-gap', str(c)])
            for init in args.init:
                work = osp.join(root, init)
                run(['tools/demo.py', '--methods', 'source-only',
                     'target-oracle', '--iters', str(args.iters), '--seed',
                     str(args.seed), '--data', data, '--work-dir', work,
                     '--pretrain-iters', str(args.pretrain_iters),
                     '--pretrained',
                     args.pretrained if init == 'pretrained' else 'none'])
                with open(osp.join(work, 'results.json')) as fh:
                    rows.append(ratio_row(a, c, init, json.load(fh)))
                print(markdown(rows), flush=True)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'calibration.json'), 'w') as fh:
        json.dump(rows, fh, indent=2)
    with open(osp.join(args.work_dir, 'calibration.md'), 'w') as fh:
        fh.write(markdown(rows) + '\n')
    print(markdown(rows))


if __name__ == '__main__':
    main()
