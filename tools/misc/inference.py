"""Segment a video (a folder of frames or a video file) with a trained model.

    python tools/misc/inference.py CONFIG CHECKPOINT INPUT --out OUT [OUT ...]
                              [--out-labels DIR] [--opacity 0.5] [--fps 10]
                              [--device cpu] [--video-id NAME]
                              [--glob PATTERN] [--cfg-options ...]

Any checkpoint of a config works: per-frame segmentors, video segmentors
(DFF, Clockwork, TDNet, TCD students, ...), UDA models and plug-ins (the
config's ``custom_imports``; ``PYTHONPATH=.`` for projects/). The checkpoint
must match the model key for key (missing/extra keys are named). INPUT is a folder of frames (sorted by
name: .png .jpg .jpeg .bmp; ``--glob`` keeps the names matching a pattern,
e.g. one sequence of a Cityscapes city folder) or a video file (anything
OpenCV reads). Each frame goes through the config's test pipeline
(``test_dataloader.dataset.pipeline``, its resize to the test scale
included) and the prediction comes back at the frame's size. Every OUT is a
folder (one colourized PNG per frame, named after the input frame or
``frame_{i:06d}.png``) or a video file ending in .mp4 (mp4v) / .avi;
``--out-labels`` also writes the class ids as 8-bit PNGs. Frames are fed in
order with one ``video_id`` and increasing ``frame_id``, so stateful video
segmentors carry their state across frames; their prediction metainfo (e.g.
``is_key_frame``) is summarized at the end. The palette is the checkpoint's
``meta.dataset_meta``, else the test dataset's protocol.
"""
import argparse
import os
import os.path as osp
import sys
from collections import Counter

import cv2
import numpy as np
from mmengine.config import DictAction

from uda_video.apis import (FrameSink, blend, init_segmenter, read_frames,
                            segment_video)
from uda_video.visualization import colorize_labels


def parse_args():
    parser = argparse.ArgumentParser(description='Segment a video')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('input', help='folder of frames or a video file')
    parser.add_argument('--out', required=True, nargs='+',
                        help='output folders (colourized PNG frames) and/or '
                        '.mp4/.avi files')
    parser.add_argument('--out-labels', default=None,
                        help='folder for the predicted class ids (8-bit PNG '
                        'per frame, at the frame size)')
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


def main():
    args = parse_args()
    if not 0 <= args.opacity <= 1:
        raise ValueError(f'--opacity must lie in [0, 1], got {args.opacity}')
    source = read_frames(args.input, args.glob)  # fail fast on bad input
    video_id = args.video_id or osp.splitext(
        osp.basename(osp.normpath(args.input)))[0]
    segmenter = init_segmenter(args.config, args.checkpoint, args.device,
                               args.cfg_options)
    for path in segmenter.dropped:
        print(f'{path}: its checkpoint is absent; left out (training only)')
    sinks = [FrameSink(out, args.fps or source.fps or 10.0)
             for out in args.out]
    if args.out_labels:
        os.makedirs(args.out_labels, exist_ok=True)
    bar = None
    if sys.stdout.isatty() and source.count:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(source.count)
    extras = Counter()
    written = 0
    try:
        for name, frame, label, meta in segment_video(
                segmenter, source.frames, video_id):
            image = blend(frame, colorize_labels(label, segmenter.palette),
                          args.opacity)
            for sink in sinks:
                sink.write(name, image)
            if args.out_labels:
                path = osp.join(args.out_labels, name + '.png')
                if not cv2.imwrite(path, label.astype(np.uint8)):
                    raise RuntimeError(f'cannot write {path}')
            for key in ('is_key_frame', 'full_update'):
                if meta.get(key):
                    extras[key] += 1
            written += 1
            if bar is not None:
                bar.update()
    finally:
        for sink in sinks:
            sink.close()
    summary = ', '.join(f'{k}: {v}' for k, v in sorted(extras.items()))
    outs = ', '.join(args.out + ([args.out_labels] if args.out_labels else []))
    print(f'\nwrote {written} frames of video {video_id!r} to {outs}'
          + (f' ({summary})' if summary else ''))


if __name__ == '__main__':
    main()
