"""BatchNorm policy at the field's batch of 1 source + 1 target clip.

Phase 1 of the VIPER -> Cityscapes configs forwards one source clip and one
target clip separately (batch 1 + 1), so a BatchNorm layer in train mode
normalises each forward with the statistics of one frame of one domain, and
its running statistics (used at test time) average two domains' frames. This
measures what that costs on the synthetic benchmark:

1. source-only training at the synthetic configs' batch (2 + 2) for
   ``--start-iters`` iterations (``tools/demo.py``): the common start;
2. from it, VAT for ``--iters`` iterations at batch 1 + 1, once per BN policy
   of ``configs/uda/_base_/viper2cityscapes_uda.py`` (``train``: statistics
   and affine parameters trained; ``frozen``: statistics kept, norm_eval, and
   affine parameters frozen);
3. each final checkpoint evaluated on the target val frames (mIoU), and the
   start too.

    .venv/bin/python benchmarks/bench_bn_policy.py --work-dir work_dirs/bn_policy \
        [--start-iters 400] [--iters 200] [--seed 0]

Prints a table and writes ``WORK_DIR/bn_policy.json``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
VAT = 'configs/uda/synthetic/vat_deeplabv2_r18-half-d8_synthetic.py'
POLICIES = dict(train=dict(norm_eval=False, requires_grad=True),
                frozen=dict(norm_eval=True, requires_grad=False))


def run(cmd):
    print('$ ' + ' '.join(cmd), flush=True)
    subprocess.run([sys.executable] + cmd, cwd=REPO, check=True)


def stage_config(path, load_from, iters, policy, seed):
    """A VAT stage at batch 1 + 1 with the BN ``policy``, from ``load_from``."""
    poly = (f"[dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, "
            f"end={iters}, by_epoch=False)]")
    p = POLICIES[policy]
    text = '\n'.join([
        f'_base_ = [{osp.join(REPO, VAT)!r}]',
        f'randomness = dict(seed={seed})',
        f'load_from = {load_from!r}',
        'train_dataloader = dict(batch_size=1)',
        f'train_cfg = dict(max_iters={iters}, val_interval={iters + 1})',
        f'default_hooks = dict(checkpoint=dict(interval={iters}), '
        'logger=dict(interval=20))',
        'val_dataloader = None', 'val_cfg = None', 'val_evaluator = None',
        f'param_scheduler = dict(segmentor={poly}, discriminator={poly})',
        'model = dict(segmentor=dict(backbone=dict('
        f"norm_eval={p['norm_eval']}, norm_cfg=dict(type='BN', "
        f"requires_grad={p['requires_grad']}))))",
    ])
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as fh:
        fh.write(text + '\n')
    return path


def evaluate(config, checkpoint, out):
    run(['tools/demo.py', '--eval', config, checkpoint, out])
    with open(out) as fh:
        return json.load(fh)['mIoU']


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/bn_policy')
    p.add_argument('--start-iters', type=int, default=400)
    p.add_argument('--iters', type=int, default=200)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    work = osp.abspath(args.work_dir)
    start_dir = osp.join(work, 'start')
    run(['tools/demo.py', '--methods', 'source-only', '--iters',
         str(args.start_iters), '--seed', str(args.seed), '--work-dir',
         start_dir])
    start = osp.join(start_dir, 'source-only', f'iter_{args.start_iters}.pth')
    results = dict(start=json.load(open(osp.join(
        start_dir, 'source-only', 'metrics.json')))['mIoU'])
    for policy in POLICIES:
        pdir = osp.join(work, policy)
        cfg = stage_config(osp.join(pdir, 'stage.py'), start, args.iters,
                           policy, args.seed)
        run(['tools/train.py', cfg, '--work-dir', pdir])
        results[policy] = evaluate(cfg, osp.join(pdir, f'iter_{args.iters}.pth'),
                                   osp.join(pdir, 'metrics.json'))
    print(f'\nVAT at batch 1 + 1 for {args.iters} iterations from source-only '
          f'({args.start_iters} iterations at batch 2 + 2), seed {args.seed}; '
          'target val mIoU')
    print('| start (source-only) | BN train | BN frozen |')
    print('|---|---|---|')
    print(f"| {results['start']:.2f} | {results['train']:.2f} | "
          f"{results['frozen']:.2f} |")
    with open(osp.join(work, 'bn_policy.json'), 'w') as fh:
        json.dump(dict(vars(args), mIoU=results), fh, indent=2)


if __name__ == '__main__':
    main()
