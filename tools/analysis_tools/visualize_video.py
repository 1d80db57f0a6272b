"""Input | prediction | ground truth side by side for one video, as GIF or MP4.

    python tools/analysis_tools/visualize_video.py --img-dir FRAMES --pred-dir PREDS
        [--gt-dir LABELS] --out video.gif|video.mp4
        [--img-suffix .png] [--pred-suffix .png] [--gt-suffix .png]
        [--classes cityscapes19|shared15] [--fps 5] [--scale 1.0]

Frames are the files of ``--img-dir`` ending with ``--img-suffix``, in name
order; the prediction of ``<stem><img-suffix>`` is ``<stem><pred-suffix>`` in
``--pred-dir`` (tools/test.py ``--out`` writes ``<image name without
extension>.png``) and its label ``<stem><gt-suffix>`` in ``--gt-dir``. Label
PNGs hold class ids (255 = ignore, drawn black); frames without a label show a
grey panel. A legend of the classes that occur is drawn below. MP4 needs a
cv2 build with an mp4v encoder.
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np

from uda_video.datasets.classes import get_classes
from uda_video.datasets.transforms.loading import read_label
from uda_video.visualization.video_panels import (compose_frame, legend,
                                                  write_video)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--img-dir', required=True)
    parser.add_argument('--pred-dir', required=True)
    parser.add_argument('--gt-dir')
    parser.add_argument('--out', required=True, help='.gif or .mp4')
    parser.add_argument('--img-suffix', default='.png')
    parser.add_argument('--pred-suffix', default='.png')
    parser.add_argument('--gt-suffix', default='.png')
    parser.add_argument('--classes', default='cityscapes19',
                        help="class protocol: 'cityscapes19' or 'shared15'")
    parser.add_argument('--fps', type=float, default=5.0)
    parser.add_argument('--scale', type=float, default=1.0,
                        help='resize factor of the output')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    classes, palette = get_classes(args.classes)
    if not osp.isdir(args.img_dir):
        sys.exit(f'not a directory: {args.img_dir}')
    names = sorted(n for n in os.listdir(args.img_dir)
                   if n.endswith(args.img_suffix))
    if not names:
        sys.exit(f'no frame ending with {args.img_suffix!r} in {args.img_dir}')
    bar = None
    if sys.stdout.isatty():
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(names))
    frames, present = [], set()
    for name in names:
        stem = name[:len(name) - len(args.img_suffix)]
        img = cv2.imread(osp.join(args.img_dir, name), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(
                f'cannot read frame {osp.join(args.img_dir, name)}')
        pred = read_label(osp.join(args.pred_dir, stem + args.pred_suffix))
        gt = None
        if args.gt_dir:
            gt_path = osp.join(args.gt_dir, stem + args.gt_suffix)
            gt = read_label(gt_path) if osp.isfile(gt_path) else None
        present.update(np.unique(pred).tolist())
        if gt is not None:
            present.update(np.unique(gt).tolist())
        frame = compose_frame(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), pred, gt,
                              palette)
        if args.scale != 1.0:
            frame = cv2.resize(frame, None, fx=args.scale, fy=args.scale,
                               interpolation=cv2.INTER_NEAREST)
        frames.append(frame)
        if bar is not None:
            bar.update()
    strip = legend(classes, palette, sorted(present), frames[0].shape[1])
    frames = [np.concatenate([f, strip], axis=0) for f in frames]
    write_video(frames, args.out, args.fps)
    print(f'{len(frames)} frames written to {args.out}')


if __name__ == '__main__':
    main()
