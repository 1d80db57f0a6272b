"""The CUDA sources compile with nvcc (against this torch's include paths).

The kernels (.cu) need only the CUDA runtime; bindings.cpp needs torch's
CUDA headers, which a CPU wheel of torch does not ship.
"""
import os
import os.path as osp
import shutil
import subprocess

import pytest
from torch.utils.cpp_extension import include_paths

from helpers import REPO

CSRC = osp.join(REPO, 'uda_video', 'ops', 'csrc')
NVCC = shutil.which('nvcc')


def _includes():
    return [f'-I{p}' for p in include_paths()] + [f'-I{CSRC}']


@pytest.mark.skipif(NVCC is None, reason='nvcc not found')
def test_cu_files_compile(tmp_path):
    sources = sorted(f for f in os.listdir(CSRC) if f.endswith('.cu'))
    assert sources == ['correlation_cuda.cu', 'flow_warp_cuda.cu']
    procs = {
        src: subprocess.Popen(
            [NVCC, '-c', '-std=c++20', '-O0', *_includes(),
             osp.join(CSRC, src), '-o', str(tmp_path / f'{src}.o')],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for src in sources
    }
    for src, proc in procs.items():
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f'nvcc failed on {src}:\n{out[-3000:]}'
        assert (tmp_path / f'{src}.o').stat().st_size > 0


def _torch_cuda_headers_present():
    return any(
        osp.isfile(osp.join(p, 'c10', 'cuda', 'impl', 'cuda_cmake_macros.h'))
        for p in include_paths())


@pytest.mark.skipif(NVCC is None, reason='nvcc not found')
@pytest.mark.skipif(
    not _torch_cuda_headers_present(),
    reason="this torch wheel lacks c10/cuda/impl/cuda_cmake_macros.h (a CPU "
    "build): bindings.cpp needs c10's CUDA headers")
def test_bindings_compile(tmp_path):
    import sysconfig
    cuda_home = osp.dirname(osp.dirname(osp.realpath(NVCC)))
    cmd = [
        NVCC, '-c', '-std=c++20', '-x', 'cu', *_includes(),
        f'-I{sysconfig.get_paths()["include"]}',
        f'-I{osp.join(cuda_home, "include")}',
        '-DTORCH_EXTENSION_NAME=_ext', '-DTORCH_API_INCLUDE_EXTENSION_H',
        osp.join(CSRC, 'bindings.cpp'), '-o', str(tmp_path / 'bindings.o')
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
