"""Throughput of tools/dataset_converters/compute_flow.py (flow pairs / s) at the real resolutions.

Generates a few frames at each dataset's release size (Cityscapes
``leftImg8bit_sequence`` 2048x1024 PNG, VIPER 1920x1080 JPEG: a textured
scene panning and zooming slightly from frame to frame), then times the
tool's whole per-pair work (read both frames, resize to the estimation size,
DIS flow, resize back, encode and write the 16-bit PNG at frame size) with 1
and with ``--workers`` processes, and turns the rates into hours for the
workloads of the shipped configs:

* Cityscapes-Seq train, 2,975 labelled frames: x2 pairs (t-1 and t+1 of the
  key: VST's labelled keys), x3 (with TCD's reverse flow t-1 -> t), and every
  frame of the 30-frame snippets (x58: 29 forward + 29 backward per snippet,
  a target set with ``all_frames=True``);
* VIPER train, 13,367 key frames (DA-VSN's every-10th list) with t-1: x1.

    python benchmarks/bench_flow_pairs.py [--pairs 8] [--workers 2] [--preset medium]

Timings depend on the machine's load: the script prints the load average.
"""
import argparse
import multiprocessing
import os
import os.path as osp
import tempfile
import time

import cv2
import numpy as np

from uda_video.apis import compute_flow

# name, frame (w, h), file suffix, estimation scales (None = frame size)
SETTINGS = [
    ('cityscapes', (2048, 1024), '.png', [(1024, 512, True), None]),
    ('viper', (1920, 1080), '.jpg', [(1280, 720, True), None]),
]
WORKLOADS = {
    'cityscapes': [('Cityscapes-Seq train, 2,975 keys x 2 (t-1, t+1)', 5950),
                   ('Cityscapes-Seq train, 2,975 keys x 3 (+ t-1 -> t)', 8925),
                   ('Cityscapes-Seq train, all frames (2,975 x 58)', 172550)],
    'viper': [('VIPER train, 13,367 keys x 1 (t-1)', 13367)],
}


def make_frames(folder: str, size, suffix: str, count: int, seed: int = 0):
    """``count`` frames of a scene panning ~6 px and zooming 0.5% a frame."""
    w, h = size
    rng = np.random.default_rng(seed)
    big = np.zeros((h + 200, w + 200, 3), np.float32)
    for cells, weight in ((8, 1.0), (32, 0.6), (128, 0.4), (512, 0.25)):
        noise = rng.random((cells * (h + 200) // (w + 200) + 2, cells + 2, 3))
        big += weight * cv2.resize(noise.astype(np.float32),
                                   (w + 200, h + 200),
                                   interpolation=cv2.INTER_CUBIC)
    big = np.clip(big / big.max() * 255, 0, 255).astype(np.uint8)
    paths = []
    for t in range(count):
        zoom = 1.0 + 0.005 * t
        m = np.float32([[zoom, 0, -6 * t - 100 * zoom + 100],
                        [0, zoom, -2 * t - 100 * zoom + 100]])
        frame = cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR)
        path = osp.join(folder, f'seq_000000_{t:06d}{suffix}')
        cv2.imwrite(path, frame)
        paths.append(path)
    return paths


def time_pairs(tasks, preset: str, workers: int) -> float:
    """Steady pairs per second of the tool's per-pair work over ``tasks``.

    One process: ``compute_pair`` in this process; N processes: a pool of
    the tool's own workers (``--workers N``). A warm-up pair per process runs
    first (process start and imports are a one-off of a run of hours).
    """
    for t in tasks:
        if osp.exists(t.out):
            os.remove(t.out)
    warm, timed = tasks[:workers], tasks[workers:]
    if workers == 1:
        backend = compute_flow.classical_flow('dis', preset)
        compute_flow.compute_pair(backend, warm[0])
        start = time.perf_counter()
        for t in timed:
            compute_flow.compute_pair(backend, t)
        elapsed = time.perf_counter() - start
    else:
        ctx = multiprocessing.get_context('spawn')
        with ctx.Pool(workers, initializer=compute_flow._init_worker,
                      initargs=('dis', preset)) as pool:
            list(pool.imap_unordered(compute_flow._work, warm, chunksize=1))
            start = time.perf_counter()
            list(pool.imap_unordered(compute_flow._work, timed, chunksize=1))
            elapsed = time.perf_counter() - start
    assert all(compute_flow.flow_file_ok(t.out, compute_flow.image_hw(t.src))
               for t in tasks)
    return len(timed) / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pairs', type=int, default=8,
                        help='pairs timed per setting (after warm-up)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--preset', default='medium',
                        choices=['ultrafast', 'fast', 'medium'])
    args = parser.parse_args(argv)
    print(f'{os.cpu_count()} CPUs, load average before: '
          f'{os.getloadavg()[0]:.2f}; DIS preset {args.preset}; '
          f'{args.pairs} pairs per setting')
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, size, suffix, scales in SETTINGS:
            folder = osp.join(tmp, name)
            os.makedirs(folder)
            n = args.pairs + args.workers  # + one warm-up pair per process
            frames = make_frames(folder, size, suffix, n + 1)
            for scale in scales:
                tasks = [compute_flow.FlowTask(
                    frames[i], frames[i + 1],
                    osp.join(folder, f'{i:06d}_flow_fw.png'), scale)
                    for i in range(n)]
                est = compute_flow.estimate_hw(size[::-1], scale)
                one = time_pairs(tasks, args.preset, 1)
                many = time_pairs(tasks, args.preset, args.workers)
                rows.append((name, size, est, one, many))
    print(f'load average after: {os.getloadavg()[0]:.2f}\n')
    print(f'| frames | estimated at | pairs/s, 1 process | pairs/s, '
          f'{args.workers} processes | workload | hours ({args.workers} '
          'processes) |')
    print('|---|---|---|---|---|---|')
    for name, size, est, one, many in rows:
        for label, pairs in WORKLOADS[name]:
            print(f'| {name} {size[0]}x{size[1]} | {est[1]}x{est[0]} | '
                  f'{one:.2f} | {many:.2f} | {label}: {pairs:,} pairs | '
                  f'{pairs / many / 3600:.1f} |')


if __name__ == '__main__':
    main()
