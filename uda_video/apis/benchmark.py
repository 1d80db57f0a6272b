"""Per-frame speed, size and compute of a segmentor on one video.

What ``tools/analysis_tools/benchmark.py`` measures: frames of one synthetic
video (a random texture panning one pixel per frame, uint8) go through
``model.test_step`` one at a time and in order, as the video test loop feeds
them, so image segmentors and stateful video segmentors (DFF, Clockwork,
TDNet) are measured alike. After each frame the segmentor's
``last_frame_was_key`` (when it has one) sorts the frame into key / non-key
statistics. FLOPs are multiply-adds of Conv/ConvTranspose/Linear layers
counted by forward hooks in a separate pass (1 MAC = 1 FLOP, as mmengine's
counter); peak memory is CUDA's max_memory_allocated or the process' peak RSS
on CPU.
"""
import os.path as osp
import resource
import sys
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
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


def load_tool_config(config: str, cfg_options: Optional[dict] = None
                     ) -> Config:
    """``config`` with ``cfg_options`` merged, every module registered and
    its ``default_scope`` (uda_video when unset) made the default one."""
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'uda_video'))
    return cfg


def build_eval_model(cfg: Config, checkpoint: Optional[str] = None,
                     device: Optional[torch.device] = None) -> nn.Module:
    """``cfg.model`` in eval mode on ``device`` (default: cuda when
    available), SyncBN reverted to BN, weights from ``checkpoint`` (a
    FileNotFoundError names a missing one) or ``init_weights()``."""
    model = MODELS.build(cfg.model)
    if checkpoint:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
        load_checkpoint(model, checkpoint, map_location='cpu')
    else:
        model.init_weights()
    model = revert_sync_batchnorm(model)
    if device is None:
        device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return model.to(device).eval()


def wants_clips(model: nn.Module, input_format: str) -> bool:
    if input_format != 'auto':
        return input_format == 'clip'
    name = type(getattr(model, 'data_preprocessor', None)).__name__
    return 'clip' in name.lower()


def run_benchmark(config: str, frames: int, checkpoint: Optional[str] = None,
                  warmup: int = 10, shape: Optional[Sequence[int]] = None,
                  device: Optional[str] = None, input_format: str = 'auto',
                  cfg_options: Optional[dict] = None,
                  progress: bool = False) -> dict:
    """Everything ``tools/analysis_tools/benchmark.py`` writes for a config
    (the tool's docstring): the settings of the run, ``params`` and the
    statistics of :func:`benchmark` over ``frames`` frames of
    :func:`synthetic_video` at ``shape`` (H, W; default the config's
    ``crop_size``, a KeyError naming the config when it has none)."""
    if frames < 1 or warmup < 0:
        raise ValueError(f'frames must be >= 1 and warmup >= 0, got '
                         f'{frames} and {warmup}')
    cfg = load_tool_config(config, cfg_options)
    device = torch.device(device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    shape = shape or cfg.get('crop_size', None)
    if shape is None:
        raise KeyError(f'{config} has no crop_size: pass --shape H W')
    height, width = int(shape[0]), int(shape[1])
    preprocessor = cfg.model.get('data_preprocessor', None)
    if preprocessor is not None and preprocessor.get('size') is not None:
        preprocessor.size = (height, width)  # no padding beyond the frames
    model = build_eval_model(cfg, checkpoint, device)
    clip = wants_clips(model, input_format)
    video = synthetic_video(frames, height, width)
    result = dict(config=config, checkpoint=checkpoint,
                  device=str(device), shape=[height, width],
                  frames=frames, warmup=warmup,
                  input_format='clip' if clip else 'image',
                  params=int(sum(p.numel() for p in model.parameters())),
                  flops_convention='Conv/ConvTranspose/Linear multiply-adds '
                  '(1 MAC = 1 FLOP)')
    result.update(benchmark(model, video, warmup, clip, device,
                            progress=progress))
    return result
