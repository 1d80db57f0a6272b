"""Loading throughput of the clip pipeline (clips / s), as ratios to a baseline.

Baseline (measured in the same run, on the same frames): mmseg's per-image
pipeline (LoadImageFromFile, LoadAnnotations, RandomResize, RandomCrop,
RandomFlip, PhotoMetricDistortion, PackSegInputs) over the VIPER-layout
frames. Then the project's clip pipeline for T = 1, T = 3 and T = 3 with flow.

    python benchmarks/bench_loading.py [--data DIR] [--samples 200]

Without --data a default-size synthetic benchmark is generated in a temporary
folder first (about a minute).
"""
import argparse
import os.path as osp
import tempfile
import time

import numpy as np
from mmengine.registry import DefaultScope

CROP = (128, 128)
GEOMETRY = [
    dict(type='RandomResize', scale=(256, 128), ratio_range=(0.75, 1.5),
         keep_ratio=True, resize_type='FlowAwareResize'),
    dict(type='FlowAwareRandomCrop', crop_size=CROP, cat_max_ratio=0.75),
    dict(type='FlowAwareRandomFlip', prob=0.5),
]
CLIP_PIPELINE = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=GEOMETRY),
    dict(type='ClipPhotoMetricDistortion', per_frame=False),
    dict(type='PackClipInputs'),
]


def time_dataset(ds, samples: int) -> float:
    """Samples per second over ``samples`` reads (after one warm-up read)."""
    ds[0]
    n = len(ds)
    start = time.perf_counter()
    for i in range(samples):
        ds[(i * 7919) % n]
    return samples / (time.perf_counter() - start)


def baseline_dataset(viper_root: str):
    """mmseg's image pipeline over the same source frames (folder layout)."""
    from mmseg.datasets import BaseSegDataset
    pipeline = [
        dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
        dict(type='RandomResize', scale=(256, 128), ratio_range=(0.75, 1.5),
             keep_ratio=True),
        dict(type='RandomCrop', crop_size=CROP, cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'), dict(type='PackSegInputs')]
    root = osp.join(viper_root, 'train')
    ds = BaseSegDataset(
        data_root=root, data_prefix=dict(img_path='img', seg_map_path='cls'),
        img_suffix='.jpg', seg_map_suffix='.png', pipeline=pipeline,
        metainfo=dict(classes=tuple(str(i) for i in range(32))))
    return ds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', help='synthetic benchmark root')
    parser.add_argument('--samples', type=int, default=200)
    args = parser.parse_args()
    import uda_video.datasets  # noqa: F401
    from uda_video.datasets import VIPERDataset
    DefaultScope.get_instance('bench_loading', scope_name='uda_video')
    tmp = None
    root = args.data
    if root is None:
        from uda_video.datasets.synthetic import write_benchmark
        tmp = tempfile.TemporaryDirectory()
        root = tmp.name
        write_benchmark(root)
    viper_root = osp.join(root, 'viper')
    np.random.seed(0)
    base = time_dataset(baseline_dataset(viper_root), args.samples)
    rows = [('mmseg image pipeline (baseline)', base)]
    for name, offsets, flow in (('clip T=1', [0], False),
                                ('clip T=3', [0, -1, 1], False),
                                ('clip T=3 + flow', [0, -1, 1], True)):
        ds = VIPERDataset(data_root=viper_root, frame_offsets=offsets,
                          load_flow=flow, pipeline=CLIP_PIPELINE)
        rows.append((name, time_dataset(ds, args.samples)))
    print(f'{"pipeline":34s} {"clips/s":>9s} {"ratio":>7s}')
    for name, rate in rows:
        print(f'{name:34s} {rate:9.1f} {rate / base:7.2f}')
    if tmp is not None:
        tmp.cleanup()


if __name__ == '__main__':
    main()
