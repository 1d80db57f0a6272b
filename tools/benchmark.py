"""Per-frame speed, size and compute of a segmentor on one video.

    python tools/benchmark.py CONFIG [--checkpoint C] --frames N --out FILE.json
        [--warmup 10] [--shape H W] [--device cpu|cuda]
        [--input-format auto|image|clip] [--cfg-options KEY=VALUE ...]

Frames of one synthetic video (a random texture panning one pixel per frame,
uint8, at --shape or the config's ``crop_size``) go through
``model.test_step`` one at a time and in order, as the video test loop feeds
them, so image segmentors and stateful video segmentors (DFF, Clockwork,
TDNet) are measured alike. Warm-up frames run first as another video. After
each frame the segmentor's ``last_frame_was_key`` (when it has one) sorts the
frame into key / non-key statistics.

FILE.json holds: latency_ms {mean, p50, p95} over all frames and per kind
(key / non_key, with counts), fps (1000 / mean latency), params, flops per
frame (mean and per kind; multiply-adds of Conv/ConvTranspose/Linear layers
counted by forward hooks in a separate pass, 1 MAC = 1 FLOP as mmengine's
counter), peak memory (CUDA max_memory_allocated, or the process' peak RSS on
CPU) and the settings of the run.
"""
import argparse
import json
import os
import os.path as osp
import resource
import sys
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.structures import SegDataSample

from uda_video.registry import MODELS
from uda_video.utils import register_all_modules


def latency_stats(times_ms: Sequence[float]) -> Optional[Dict[str, float]]:
    """{count, mean, p50, p95} of latencies in ms; None for no samples."""
    if len(times_ms) == 0:
        return None
    arr = np.asarray(times_ms, np.float64)
    return dict(count=int(arr.size), mean=float(arr.mean()),
                p50=float(np.percentile(arr, 50)),
                p95=float(np.percentile(arr, 95)))


def conv_linear_macs(module: nn.Module, inputs, output) -> int:
    """Multiply-adds of one forward of a Conv/ConvTranspose/Linear layer."""
    if isinstance(module, nn.modules.conv._ConvNd):
        if isinstance(module, nn.modules.conv._ConvTransposeNd):
            # Every input element meets every kernel tap of its group.
            per_in = module.out_channels // module.groups * int(
                np.prod(module.kernel_size))
            return int(inputs[0].numel() * per_in)
        per_out = module.in_channels // module.groups * int(
            np.prod(module.kernel_size))
        return int(output.numel() * per_out)
    if isinstance(module, nn.Linear):
        return int(output.numel() * module.in_features)
    return 0


class FlopCounter:
    """Counts Conv/Linear multiply-adds of everything run inside ``with``."""

    def __init__(self, model: nn.Module):
        self.model = model
        self.total = 0
        self._handles = []

    def _hook(self, module, inputs, output):
        if isinstance(output, torch.Tensor):
            self.total += conv_linear_macs(module, inputs, output)

    def __enter__(self):
        for m in self.model.modules():
            if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)):
                self._handles.append(m.register_forward_hook(self._hook))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles = []


def synthetic_video(num_frames: int, height: int, width: int,
                    seed: int = 0) -> List[torch.Tensor]:
    """``num_frames`` uint8 frames 3 x H x W of a texture panning 1 px/frame."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (3, height // 8 + 2, (width + num_frames) // 8 + 2))
    big = np.repeat(np.repeat(coarse, 8, axis=1), 8, axis=2).astype(np.uint8)
    big = big[:, :height, :width + num_frames]
    return [torch.from_numpy(np.ascontiguousarray(big[:, :, t:t + width]))
            for t in range(num_frames)]


def make_batch(frame: torch.Tensor, video_id: str, frame_id: int,
               clip: bool) -> dict:
    h, w = frame.shape[1:]
    meta = dict(video_id=video_id, frame_id=frame_id, frame_offsets=[0],
                is_labelled=False, img_path=f'{video_id}/{frame_id:06d}.png',
                ref_img_paths=[], img_shape=(h, w), ori_shape=(h, w),
                pad_shape=(h, w), scale_factor=(1.0, 1.0), flip=False,
                flip_direction=None, padding_size=[0, 0, 0, 0])
    inputs = frame.unsqueeze(0) if clip else frame
    return dict(inputs=[inputs], data_samples=[SegDataSample(metainfo=meta)])


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def peak_memory_mb(device: torch.device) -> Dict[str, object]:
    if device.type == 'cuda':
        return dict(peak_memory_mb=torch.cuda.max_memory_allocated(device) /
                    2**20, peak_memory_kind='cuda_max_memory_allocated')
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return dict(peak_memory_mb=rss_kb / 1024.0,
                peak_memory_kind='cpu_process_peak_rss')


def benchmark(model: nn.Module, frames: Sequence[torch.Tensor],
              warmup: int, clip: bool, device: torch.device,
              progress: bool = False) -> dict:
    """Time, count and classify every frame of ``frames`` (one video).

    ``progress`` shows a bar over the warm-up, timed and counting passes.
    """
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(warmup + 2 * len(frames))

    def tick():
        if bar is not None:
            bar.update()

    with torch.no_grad():
        for i in range(warmup):
            model.test_step(make_batch(frames[i % len(frames)], 'warmup', i,
                                       clip))
            tick()
        if device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(device)
        times, kinds = [], []
        for i, frame in enumerate(frames):
            batch = make_batch(frame, 'bench', i, clip)
            _sync(device)
            start = time.perf_counter()
            model.test_step(batch)
            _sync(device)
            times.append((time.perf_counter() - start) * 1000.0)
            kinds.append(getattr(model, 'last_frame_was_key', None))
            tick()
        memory = peak_memory_mb(device)
        flops = []
        for i, frame in enumerate(frames):  # a fresh video: same schedule
            with FlopCounter(model) as counter:
                model.test_step(make_batch(frame, 'flops', i, clip))
            flops.append(counter.total)
            tick()
    if bar is not None:
        sys.stdout.write('\n')
    result = dict(latency_ms=latency_stats(times),
                  fps=1000.0 / float(np.mean(times)),
                  flops_per_frame=float(np.mean(flops)))
    result['reports_key_frames'] = any(k is not None for k in kinds)
    for name, want in (('key', True), ('non_key', False)):
        idx = [i for i, k in enumerate(kinds) if k is want]
        result[name] = dict(
            latency_ms=latency_stats([times[i] for i in idx]),
            flops_per_frame=float(np.mean([flops[i] for i in idx]))
            if idx else None)
    result.update(memory)
    result['per_frame'] = [
        dict(ms=t, key=k, flops=f) for t, k, f in zip(times, kinds, flops)
    ]
    return result


def build_model(cfg: Config, checkpoint: Optional[str],
                device: torch.device) -> nn.Module:
    model = MODELS.build(cfg.model)
    model = revert_sync_batchnorm(model)
    if checkpoint:
        from mmengine.runner import load_checkpoint
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
        load_checkpoint(model, checkpoint, map_location='cpu')
    else:
        model.init_weights()
    return model.to(device).eval()


def wants_clips(model: nn.Module, input_format: str) -> bool:
    if input_format != 'auto':
        return input_format == 'clip'
    name = type(getattr(model, 'data_preprocessor', None)).__name__
    return 'clip' in name.lower()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Benchmark a segmentor frame by frame on one video')
    parser.add_argument('config')
    parser.add_argument('--checkpoint', default=None)
    parser.add_argument('--frames', type=int, required=True,
                        help='measured frames')
    parser.add_argument('--out', required=True, help='output .json file')
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        default=None, help="default: the config's crop_size")
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda when available)')
    parser.add_argument('--input-format', choices=['auto', 'image', 'clip'],
                        default='auto',
                        help='frames as 3xHxW images or 1x3xHxW clips '
                        '(auto: clips when the data preprocessor is a clip one)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.frames < 1 or args.warmup < 0:
        parser.error('--frames must be >= 1 and --warmup >= 0')
    return args


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'uda_video'))
    device = torch.device(args.device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    shape = args.shape or cfg.get('crop_size', None)
    if shape is None:
        raise KeyError(f'{args.config} has no crop_size: pass --shape H W')
    height, width = int(shape[0]), int(shape[1])
    preprocessor = cfg.model.get('data_preprocessor', None)
    if preprocessor is not None and preprocessor.get('size') is not None:
        preprocessor.size = (height, width)  # no padding beyond the frames
    model = build_model(cfg, args.checkpoint, device)
    clip = wants_clips(model, args.input_format)
    frames = synthetic_video(args.frames, height, width)
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  device=str(device), shape=[height, width],
                  frames=args.frames, warmup=args.warmup,
                  input_format='clip' if clip else 'image',
                  params=int(sum(p.numel() for p in model.parameters())),
                  flops_convention='Conv/ConvTranspose/Linear multiply-adds '
                  '(1 MAC = 1 FLOP)')
    result.update(benchmark(model, frames, args.warmup, clip, device,
                            progress=sys.stdout.isatty()))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    lat = result['latency_ms']
    print(f'{args.config}: {result["fps"]:.2f} fps, latency mean '
          f'{lat["mean"]:.1f} ms p50 {lat["p50"]:.1f} p95 {lat["p95"]:.1f}, '
          f'{result["params"] / 1e6:.2f} M params, '
          f'{result["flops_per_frame"] / 1e9:.3f} GFLOPs/frame -> {args.out}')
    return result


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
