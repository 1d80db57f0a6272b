"""Frames per second of video segmentors against their per-frame baseline, in one run.

    python benchmarks/bench_speed.py SUITE [--shape 512 1024] [--device cpu|cuda]
        [--frames N] [--out FILE.json]

SUITE is one of:

- ``dff``: the split DeepLab-v2 R50 (ResNet-50 + the ASPP to 256 channels,
  then a 1x1 classifier) per frame (baseline) against DFF on the same
  network with FlowNetS (the config's width 64, and half width, the DFF
  paper's "FlowNet Half"), key frame every 5 frames: a propagated frame pays
  the flow network, the scale field, the warp and the 1x1 classifier.
  Issue targets: at least 3.5x the baseline's frames per second; a non-key
  frame at most 15% of a key frame's latency. Last, for reference, the
  unsplit DeepLab-v2 R50 per frame (ASPP straight to class scores).
- ``dff-deeplabv2``: the same with DeepLab-v2 R50, whose ASPP head (4 dilated
  3x3 convs on 2048 channels) runs on every frame.
- ``clockwork``: DeepLab-v2 ResNet-101 per frame (baseline) against Clockwork
  with the alternating schedule. Target: at least 1.3x frames per second.
- ``tdnet``: the PSPNet-101 teacher (baseline) against TD4-PSP18 and the
  per-frame PSPNet of one TD4 path's depth and width. Target: TD4 latency at
  most 0.35 of the teacher's.
- ``tdnet-synthetic``: the same comparison for the synthetic-benchmark models
  (half-width PSPNet-R50 teacher, TD4-PSP18, half-width PSPNet-R18 student).

Each model goes through ``tools/analysis_tools/benchmark.py`` (one frame at a time, in video
order, after warm-up frames of another video; untrained weights: speed does
not depend on them), one after the other in this run, so the ratios compare
models measured on the same machine under the same conditions (with
``--repeats N`` the models run N times round robin and each keeps its fastest
pass, which damps the load of other processes). Reports each
model's mean latency, frames per second, GFLOPs per frame, speed-up over the
baseline (baseline latency / latency) and, for key-frame models, the key and
non-key latencies and their ratio.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PER_FRAME = ['model.type=ClipEncoderDecoder']
# suite -> [(name, config, cfg-options, frames factor)], baseline first. The
# factor scales --frames: models with a key-frame cycle need whole cycles.
SUITES = {
    'dff': [
        ('deeplabv2-split_r50 per frame (baseline)',
         'configs/_base_/models/deeplabv2-split_r50-d8.py', PER_FRAME, 1),
        ('dff_deeplabv2-split_r50 + flownets, key every 5',
         'configs/dff/dff_deeplabv2-split_r101-d8_flownets_cityscapes-seq.py',
         ['model.backbone.depth=50'], 5),
        ('dff_deeplabv2-split_r50 + flownets half width, key every 5',
         'configs/dff/dff_deeplabv2-split_r101-d8_flownets_cityscapes-seq.py',
         ['model.backbone.depth=50', 'model.flow_source.base_channels=32'], 5),
        ('deeplabv2_r50 per frame (unsplit ASPP head, for reference)',
         'configs/_base_/models/deeplabv2_r50-d8.py', PER_FRAME, 1),
    ],
    'dff-deeplabv2': [
        ('deeplabv2_r50 per frame (baseline)',
         'configs/_base_/models/deeplabv2_r50-d8.py', PER_FRAME, 1),
        ('dff_deeplabv2_r50 + flownets, key every 5',
         'configs/dff/dff_deeplabv2_r101-d8_flownets_cityscapes-seq.py',
         ['model.backbone.depth=50'], 5),
        ('dff_deeplabv2_r50 + flownets half width, key every 5',
         'configs/dff/dff_deeplabv2_r101-d8_flownets_cityscapes-seq.py',
         ['model.backbone.depth=50', 'model.flow_source.base_channels=32'], 5),
    ],
    'clockwork': [
        ('deeplabv2_r101 per frame (baseline)',
         'configs/_base_/models/deeplabv2_r101-d8.py', PER_FRAME, 1),
        ('clockwork alternating, deeplabv2_r101',
         'configs/clockwork/clockwork-alternating_deeplabv2_r101-d8_'
         'cityscapes-seq.py', [], 2),
    ],
    'tdnet': [
        ('pspnet_r101 (teacher, baseline)',
         'configs/_base_/models/pspnet_r101-d8.py', PER_FRAME, 1),
        ('td4-psp18', 'configs/tdnet/tdnet_td4-psp18_cityscapes-seq.py',
         ['model.teacher_config=None'], 4),
        ('pspnet_r18-half (one path, per frame)',
         'configs/_base_/models/pspnet_r18-half-d8.py', PER_FRAME, 4),
    ],
    # The synthetic-benchmark models of docs/methods/tdnet_tcd.md (run with
    # --shape 128 256, the benchmark's frame size).
    'tdnet-synthetic': [
        ('pspnet_r50-half (teacher, baseline)',
         'configs/tdnet/per-frame_pspnet_r50-half-d8_synthetic.py', [], 1),
        ('td4-psp18', 'configs/tdnet/tdnet_td4-psp18_synthetic.py', [], 4),
        ('pspnet_r18-half (per-frame student)',
         'configs/tdnet/per-frame_pspnet_r18-half-d8_synthetic.py', [], 4),
    ],
}


def run_one(config, options, shape, device, frames, warmup, out):
    cmd = [sys.executable, osp.join(REPO, 'tools/analysis_tools/benchmark.py'), config,
           '--frames', str(frames), '--warmup', str(warmup), '--shape',
           str(shape[0]), str(shape[1]), '--out', out]
    if options:
        cmd += ['--cfg-options'] + options
    if device:
        cmd += ['--device', device]
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def summarize(name: str, res: dict, base_ms: float) -> dict:
    """One report row: latency, fps, compute and the ratios to the baseline."""
    mean = res['latency_ms']['mean']
    row = dict(model=name, frames=res['latency_ms']['count'], mean_ms=mean,
               fps=1000.0 / mean, gflops=res['flops_per_frame'] / 1e9,
               latency_ratio=mean / base_ms, speedup=base_ms / mean)
    key, non_key = res.get('key') or {}, res.get('non_key') or {}
    if res.get('reports_key_frames') and key.get('latency_ms') and \
            non_key.get('latency_ms'):
        row['key_ms'] = key['latency_ms']['mean']
        row['non_key_ms'] = non_key['latency_ms']['mean']
        row['non_key_to_key'] = row['non_key_ms'] / row['key_ms']
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('suite', choices=sorted(SUITES))
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--device', default=None)
    parser.add_argument('--frames', type=int, default=3,
                        help='frames of the baseline; models with a key '
                        'cycle run whole cycles of this many')
    parser.add_argument('--repeats', type=int, default=1,
                        help='passes over the models, round robin; each '
                        "model's result is its fastest pass")
    parser.add_argument('--out', default=None)
    args = parser.parse_args(argv)
    suite = SUITES[args.suite]
    best = [None] * len(suite)  # each model's fastest pass
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for i, (name, config, options, factor) in enumerate(suite):
                frames = args.frames * factor
                res = run_one(config, options, args.shape, args.device,
                              frames, max(1, frames // 3),
                              osp.join(tmp, f'{i}.json'))
                if best[i] is None or (res['latency_ms']['mean'] <
                                       best[i]['latency_ms']['mean']):
                    best[i] = res
    rows = []
    for (name, *_), res in zip(suite, best):
        rows.append(summarize(name, res, best[0]['latency_ms']['mean']))
        r = rows[-1]
        extra = (f"  key {r['key_ms']:.0f} / non-key {r['non_key_ms']:.0f}"
                 f" ms ({r['non_key_to_key']:.3f})"
                 if 'non_key_ms' in r else '')
        print(f"{name:44s} {r['mean_ms']:9.1f} ms {r['fps']:7.3f} fps "
              f"{r['gflops']:8.2f} GFLOPs  speed-up {r['speedup']:.2f}x"
              f"{extra}", flush=True)
    result = dict(suite=args.suite, shape=list(args.shape),
                  repeats=args.repeats,
                  device=args.device or 'auto', models=rows)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
