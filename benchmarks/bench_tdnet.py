"""Per-frame latency of TD4-PSP18 against its PSPNet-101 teacher (the baseline).

    python benchmarks/bench_tdnet.py [--shape 512 1024] [--device cpu|cuda]
        [--frames 12] [--teacher-frames 4] [--out FILE.json]

Runs ``tools/benchmark.py`` on the teacher, TD4-PSP18 (no distillation
teacher: inference only) and the per-frame PSPNet of one TD4 path's depth and
width, one after the other in this run, and reports each model's mean
latency, GFLOPs per frame and the ratio to the teacher. TD4 is also reported
on its non-warm-up frames (the first frame of a video runs every path).
Issue target: TD4 latency at most 0.35 of the teacher's at 512 x 1024.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MODELS = [
    # (name, config, cfg-options)
    ('pspnet_r101 (teacher)', 'configs/_base_/models/pspnet_r101-d8.py',
     ['model.type=ClipEncoderDecoder']),
    ('td4-psp18', 'configs/tdnet/td4-psp18_cityscapes-seq.py',
     ['model.teacher_config=None']),
    ('pspnet_r18-half (one path, per frame)',
     'configs/_base_/models/pspnet_r18-half-d8.py',
     ['model.type=ClipEncoderDecoder']),
]


def run_one(config, options, shape, device, frames, warmup, out):
    cmd = [sys.executable, osp.join(REPO, 'tools/benchmark.py'), config,
           '--frames', str(frames), '--warmup', str(warmup), '--shape',
           str(shape[0]), str(shape[1]), '--out', out, '--cfg-options'
           ] + options
    if device:
        cmd += ['--device', device]
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--device', default=None)
    parser.add_argument('--frames', type=int, default=12)
    parser.add_argument('--teacher-frames', type=int, default=4)
    parser.add_argument('--out', default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, config, options) in enumerate(MODELS):
            frames = args.teacher_frames if i == 0 else args.frames
            res = run_one(config, options, args.shape, args.device, frames,
                          max(1, frames // 3), osp.join(tmp, f'{i}.json'))
            rows.append((name, res))
    base = rows[0][1]['latency_ms']['mean']
    report = []
    for name, res in rows:
        entry = dict(model=name, mean_ms=res['latency_ms']['mean'],
                     gflops=res['flops_per_frame'] / 1e9,
                     ratio_to_teacher=res['latency_ms']['mean'] / base)
        non_key = res['non_key']['latency_ms']
        if res['reports_key_frames'] and non_key:
            entry['non_key_mean_ms'] = non_key['mean']
            entry['non_key_ratio_to_teacher'] = non_key['mean'] / base
        report.append(entry)
        extra = (f"  non-key {entry['non_key_mean_ms']:.0f} ms "
                 f"({entry['non_key_ratio_to_teacher']:.3f})"
                 if 'non_key_mean_ms' in entry else '')
        print(f"{name:40s} {entry['mean_ms']:9.0f} ms  "
              f"{entry['gflops']:7.2f} GFLOPs  ratio "
              f"{entry['ratio_to_teacher']:.3f}{extra}")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(shape=list(args.shape), device=args.device,
                           models=report), f, indent=2)


if __name__ == '__main__':
    main()
