"""Segment a video (a folder of frames or a video file) with a trained model.

    python tools/inference.py CONFIG CHECKPOINT INPUT --out OUT
                              [--opacity 0.5] [--fps 10] [--device cpu]
                              [--video-id NAME] [--glob PATTERN]
                              [--cfg-options ...]

INPUT is a folder of frames (sorted by name: .png .jpg .jpeg .bmp; ``--glob``
keeps the names matching a pattern, e.g. one sequence of a Cityscapes city
folder) or a video file (anything OpenCV reads: .mp4 .avi ...). OUT is a folder (one colourized
PNG per frame, named after the input frame or ``frame_{i:06d}.png``) or a
video file ending in .mp4 / .avi. Frames are fed in order, one at a time,
with a constant ``video_id`` and increasing ``frame_id``, so stateful video
segmentors (DFF, Clockwork, TDNet, ...) carry their state across frames;
their prediction metainfo (e.g. ``is_key_frame``) is summarized at the end.
Frames are segmented at their own resolution. The palette comes from the
checkpoint's ``meta.dataset_meta``, else from the protocol whose class count
matches the model (15: shared15, 19: cityscapes19).
"""
import argparse
import fnmatch
import os
import os.path as osp
import sys
from collections import Counter
from typing import Iterator, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint
from mmseg.structures import SegDataSample

from uda_video.datasets.classes import PROTOCOLS
from uda_video.registry import MODELS
from uda_video.utils import register_all_modules
from uda_video.visualization import colorize_labels

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')
VIDEO_OUT_EXTS = {'.mp4': 'mp4v', '.avi': 'MJPG'}


def parse_args():
    parser = argparse.ArgumentParser(description='Segment a video')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('input', help='folder of frames or a video file')
    parser.add_argument('--out', required=True,
                        help='output folder (PNG frames) or .mp4/.avi file')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='weight of the colour map over the frame; 1 = '
                        'colour map only')
    parser.add_argument('--fps', type=float, default=None,
                        help='output video frame rate (default: the input '
                        "video's, or 10 for a folder)")
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--video-id', default=None,
                        help='video_id given to every frame (default: the '
                        'input name)')
    parser.add_argument('--glob', default='*',
                        help='keep the frames of a folder whose names match '
                        "this pattern (e.g. 'betaburg_000001_*')")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config')
    return parser.parse_args()


def read_frames(path: str, pattern: str = '*'
                ) -> Tuple[int, float, Iterator[Tuple[str, np.ndarray]]]:
    """(number of frames, fps or None, iterator of (name, BGR uint8 frame))."""
    if osp.isdir(path):
        names = sorted(n for n in os.listdir(path)
                       if n.lower().endswith(IMAGE_EXTS)
                       and fnmatch.fnmatch(n, pattern))
        if not names:
            raise FileNotFoundError(f'{path}: no frames matching {pattern!r} '
                                    f'({", ".join(IMAGE_EXTS)})')

        def frames():
            for name in names:
                img = cv2.imread(osp.join(path, name), cv2.IMREAD_COLOR)
                if img is None:
                    raise ValueError(f'{osp.join(path, name)}: unreadable image')
                yield osp.splitext(name)[0], img
        return len(names), None, frames()
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: neither a folder of frames nor a file')
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise ValueError(f'{path}: OpenCV cannot open this video')
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    fps = cap.get(cv2.CAP_PROP_FPS) or None

    def frames():
        i = 0
        try:
            while True:
                ok, img = cap.read()
                if not ok:
                    break
                yield f'frame_{i:06d}', img
                i += 1
        finally:
            cap.release()
        if i == 0:
            raise ValueError(f'{path}: the video has no readable frame')
    return count, fps, frames()


def find_palette(checkpoint: dict, num_classes: int) -> np.ndarray:
    """The palette of the checkpoint's dataset, or of a protocol by size."""
    meta = (checkpoint.get('meta') or {}).get('dataset_meta') or {}
    palette = meta.get('palette')
    if palette:
        if len(palette) < num_classes:
            raise ValueError(f'checkpoint meta.dataset_meta.palette has '
                             f'{len(palette)} colours for {num_classes} classes')
        return np.asarray(palette, np.uint8)
    for classes, protocol_palette in PROTOCOLS.values():
        if len(classes) == num_classes:
            return np.asarray(protocol_palette, np.uint8)
    raise KeyError(f'no palette: the checkpoint has no meta.dataset_meta.palette '
                   f'and no protocol has {num_classes} classes')


def frame_sample(frame: np.ndarray, video_id: str, frame_id: int,
                 name: str) -> SegDataSample:
    """The metainfo of one test frame (docs/conventions.md)."""
    h, w = frame.shape[:2]
    sample = SegDataSample()
    sample.set_metainfo(dict(
        video_id=video_id, frame_id=frame_id, frame_offsets=[0],
        is_labelled=False, img_path=name, ori_shape=(h, w), img_shape=(h, w)))
    return sample


def blend(frame_bgr: np.ndarray, colours_rgb: np.ndarray,
          opacity: float) -> np.ndarray:
    """BGR uint8 frame overlaid by an RGB colour map."""
    mix = (1 - opacity) * frame_bgr + opacity * colours_rgb[..., ::-1]
    return np.clip(mix + 0.5, 0, 255).astype(np.uint8)


class FrameSink:
    """Writes colourized frames to a folder or to one video file."""

    def __init__(self, out: str, fps: float):
        ext = osp.splitext(out)[1].lower()
        self.video = ext in VIDEO_OUT_EXTS
        self.out, self.fps, self.fourcc = out, fps, VIDEO_OUT_EXTS.get(ext)
        self.writer = None
        if ext and not self.video:
            raise ValueError(f'--out {out}: give a folder or a file ending in '
                             f'{" / ".join(VIDEO_OUT_EXTS)}')
        os.makedirs(osp.dirname(osp.abspath(out)) if self.video else out,
                    exist_ok=True)

    def write(self, name: str, image: np.ndarray) -> None:
        if not self.video:
            cv2.imwrite(osp.join(self.out, name + '.png'), image)
            return
        if self.writer is None:
            h, w = image.shape[:2]
            self.writer = cv2.VideoWriter(
                self.out, cv2.VideoWriter_fourcc(*self.fourcc), self.fps,
                (w, h))
            if not self.writer.isOpened():
                raise RuntimeError(f'{self.out}: OpenCV cannot write this video')
        self.writer.write(image)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()


def main():
    args = parse_args()
    if not 0 <= args.opacity <= 1:
        raise ValueError(f'--opacity must lie in [0, 1], got {args.opacity}')
    count, fps, frames = read_frames(args.input, args.glob)  # fail fast on bad input
    video_id = args.video_id or osp.splitext(
        osp.basename(osp.normpath(args.input)))[0]
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = MODELS.build(cfg.model)
    checkpoint = load_checkpoint(model, args.checkpoint, map_location='cpu',
                                 logger='silent')
    model.to(args.device).eval()
    palette = find_palette(checkpoint, model.decode_head.num_classes)
    sink = FrameSink(args.out, args.fps or fps or 10.0)
    bar = None
    if sys.stdout.isatty():
        from mmengine.utils import ProgressBar
        bar = ProgressBar(count)
    extras = Counter()
    written = 0
    try:
        with torch.no_grad():
            for frame_id, (name, frame) in enumerate(frames):
                inputs = torch.from_numpy(np.ascontiguousarray(
                    frame.transpose(2, 0, 1)))[None]  # T=1 x 3 x H x W
                sample = frame_sample(frame, video_id, frame_id, name)
                (result, ) = model.test_step(
                    dict(inputs=[inputs], data_samples=[sample]))
                label = result.pred_sem_seg.data[0].cpu().numpy()
                sink.write(name, blend(frame, colorize_labels(label, palette),
                                       args.opacity))
                for key in ('is_key_frame', 'full_update'):
                    if result.metainfo.get(key):
                        extras[key] += 1
                written += 1
                if bar is not None:
                    bar.update()
    finally:
        sink.close()
    summary = ', '.join(f'{k}: {v}' for k, v in sorted(extras.items()))
    print(f'\nwrote {written} frames of video {video_id!r} to {args.out}'
          + (f' ({summary})' if summary else ''))


if __name__ == '__main__':
    main()
