"""Speed of the flow ops: compiled kernels (CUDA) vs PyTorch references.

    python benchmarks/bench_ops.py [--device cuda] [--repeat 20] [--out FILE.json]

For each op and shape, the reference (``*_reference``) is the baseline and
the dispatched op (kernel on CUDA when built, else the reference itself) is
measured in the same run; the report gives milliseconds and the speed-up
ratio baseline / op, forward and forward+backward. On CPU, or without the
built extension, the ratio is ~1 by construction.
"""
import argparse
import json
import time

import torch

from uda_video.ops import (correlation, correlation_reference, ext_status,
                           flow_warp, flow_warp_reference)

CASES = [
    # (name, op, reference, make inputs(device))
    ('flow_warp 2x256x64x128', flow_warp, flow_warp_reference,
     lambda d: (torch.randn(2, 256, 64, 128, device=d),
                torch.randn(2, 2, 64, 128, device=d) * 5)),
    ('flow_warp 1x3x512x1024', flow_warp, flow_warp_reference,
     lambda d: (torch.randn(1, 3, 512, 1024, device=d),
                torch.randn(1, 2, 512, 1024, device=d) * 5)),
    ('correlation 2x256x48x64 d20 s2',
     lambda a, b: correlation(a, b, 20, 2),
     lambda a, b: correlation_reference(a, b, 20, 2),
     lambda d: (torch.randn(2, 256, 48, 64, device=d),
                torch.randn(2, 256, 48, 64, device=d))),
]


def _sync(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize()


def time_ms(fn, inputs, repeat, backward, device):
    leaves = [t.detach().clone().requires_grad_(backward) for t in inputs]

    def once():
        out = fn(*leaves)
        if backward:
            out.sum().backward()

    once()  # warm-up (and allocator)
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeat):
        once()
    _sync(device)
    return (time.perf_counter() - start) * 1000.0 / repeat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device',
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--repeat', type=int, default=20)
    parser.add_argument('--out', default=None)
    args = parser.parse_args()
    rows = []
    print(f'device {args.device}; {ext_status()}')
    for name, op, ref, make in CASES:
        inputs = make(args.device)
        for backward in (False, True):
            base = time_ms(ref, inputs, args.repeat, backward, args.device)
            new = time_ms(op, inputs, args.repeat, backward, args.device)
            row = dict(case=name, backward=backward, reference_ms=base,
                       op_ms=new, speedup=base / new)
            rows.append(row)
            print(f'{name:34s} {"fwd+bwd" if backward else "fwd":7s} '
                  f'reference {base:8.2f} ms  op {new:8.2f} ms  '
                  f'x{base / new:.2f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(device=args.device, ext=ext_status(), rows=rows),
                      f, indent=2)


if __name__ == '__main__':
    main()
