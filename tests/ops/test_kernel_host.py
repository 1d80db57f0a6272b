"""The CUDA kernels' arithmetic (csrc/kernels_impl.h, compiled as host C++)
equals the PyTorch references, forward and backward, on the CPU."""
import os.path as osp
import shutil
import subprocess

import numpy as np
import pytest
import torch

from helpers import REPO
from uda_video.ops import correlation_reference, flow_warp_reference

CSRC = osp.join(REPO, 'uda_video', 'ops', 'csrc')
CXX = shutil.which('g++') or shutil.which('c++')


@pytest.fixture(scope='module')
def driver(tmp_path_factory):
    if CXX is None:
        pytest.skip('no C++ compiler (g++/c++) found')
    exe = str(tmp_path_factory.mktemp('kernels') / 'driver')
    src = osp.join(osp.dirname(__file__), 'kernel_host_driver.cpp')
    proc = subprocess.run([CXX, '-std=c++17', '-O1', f'-I{CSRC}', src, '-o',
                           exe], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return exe


def run_driver(exe, tmp_path, op, header, arrays, out_sizes):
    src, dst = tmp_path / 'in.bin', tmp_path / 'out.bin'
    with open(src, 'wb') as f:
        f.write(np.asarray(header, np.int64).tobytes())
        for a in arrays:
            f.write(a.detach().double().contiguous().numpy().tobytes())
    proc = subprocess.run([exe, op, str(src), str(dst)], capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc
    flat = torch.from_numpy(np.fromfile(dst, np.float64))
    return torch.split(flat, out_sizes)


def reference_with_grads(fn, inputs, grad_out):
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    out.backward(grad_out)
    return [out.detach()] + [t.grad for t in leaves]


@pytest.mark.parametrize('padding_mode', ['zeros', 'border'])
def test_flow_warp_kernel_body(driver, tmp_path, padding_mode):
    torch.manual_seed(0)
    n, c, h, w = 2, 3, 7, 9
    x = torch.randn(n, c, h, w, dtype=torch.double)
    flow = torch.randn(n, 2, h, w, dtype=torch.double) * 3
    flow[0, :, 0, 0] = 1e30  # far outside: no value, no gradient
    grad_out = torch.randn(n, c, h, w, dtype=torch.double)
    got = run_driver(driver, tmp_path, 'warp',
                     [n, c, h, w, int(padding_mode == 'border'), 0],
                     [x, flow, grad_out], [x.numel(), x.numel(), flow.numel()])
    ref = reference_with_grads(
        lambda a, f: flow_warp_reference(a, f, padding_mode=padding_mode),
        [x, flow], grad_out)
    for g, r in zip(got, ref):
        torch.testing.assert_close(g.view_as(r), r, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize('max_disp,stride', [(2, 1), (4, 2)])
def test_correlation_kernel_body(driver, tmp_path, max_disp, stride):
    torch.manual_seed(0)
    n, c, h, w = 2, 4, 6, 7
    k = (2 * (max_disp // stride) + 1)**2
    f1 = torch.randn(n, c, h, w, dtype=torch.double)
    f2 = torch.randn(n, c, h, w, dtype=torch.double)
    grad_out = torch.randn(n, k, h, w, dtype=torch.double)
    got = run_driver(driver, tmp_path, 'corr',
                     [n, c, h, w, max_disp, stride], [f1, f2, grad_out],
                     [n * k * h * w, f1.numel(), f2.numel()])
    ref = reference_with_grads(
        lambda a, b: correlation_reference(a, b, max_disp, stride), [f1, f2],
        grad_out)
    for g, r in zip(got, ref):
        torch.testing.assert_close(g.view_as(r), r, rtol=1e-9, atol=1e-9)
