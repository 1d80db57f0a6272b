"""uda_video: video semantic segmentation and Sim2Real video UDA on mmseg 1.x.

The CUDA kernels in uda_video/ops/csrc are built only where torch has CUDA and
nvcc is found (or UDA_VIDEO_WITH_CUDA=1); the CPU install needs no compiler.
"""
import os
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    scope = {}
    with open(osp.join(HERE, 'uda_video', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def cuda_extensions() -> list:
    """The optional CUDA extension of uda_video.ops, or [] on a CPU machine."""
    csrc = osp.join('uda_video', 'ops', 'csrc')
    if not osp.isdir(osp.join(HERE, csrc)):
        return []
    try:
        import torch
        from torch.utils.cpp_extension import CUDA_HOME, CUDAExtension
    except ImportError:
        return []
    wanted = os.environ.get('UDA_VIDEO_WITH_CUDA')
    if wanted == '0':
        return []
    if wanted != '1' and not (torch.cuda.is_available() and CUDA_HOME):
        return []
    sources = sorted(
        osp.join(csrc, f) for f in os.listdir(osp.join(HERE, csrc))
        if f.endswith(('.cpp', '.cu')))
    return [
        CUDAExtension(
            name='uda_video.ops._ext',
            sources=sources,
            extra_compile_args={'cxx': ['-O3'], 'nvcc': ['-O3']})
    ]


def cmdclass(ext_modules) -> dict:
    if not ext_modules:
        return {}
    from torch.utils.cpp_extension import BuildExtension
    return {'build_ext': BuildExtension}


EXT_MODULES = cuda_extensions()

setup(
    name='uda_video',
    version=read_version(),
    description='Video semantic segmentation and Sim2Real video domain '
    'adaptation on mmsegmentation 1.x',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['uda_video', 'uda_video.*']),
    include_package_data=True,
    package_data={'uda_video.ops': ['csrc/*.cpp', 'csrc/*.cu', 'csrc/*.h']},
    ext_modules=EXT_MODULES,
    cmdclass=cmdclass(EXT_MODULES),
    zip_safe=False)
