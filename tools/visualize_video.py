"""Input | prediction | ground truth side by side for one video, as GIF or MP4.

    python tools/visualize_video.py --img-dir FRAMES --pred-dir PREDS
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

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from uda_video.datasets.transforms.loading import read_label

PANEL_TITLES = ('input', 'prediction', 'ground truth')


def class_palette(name: str) -> Tuple[List[str], np.ndarray]:
    """Class names and a 256 x 3 RGB palette (unused ids black) of a
    protocol of uda_video.datasets.classes ('cityscapes19', 'shared15')."""
    from uda_video.datasets.classes import get_classes
    classes, palette = get_classes(name)
    table = np.zeros((256, 3), np.uint8)
    table[:len(palette)] = np.asarray(palette, np.uint8)
    return list(classes), table


def legend(classes: Sequence[str], palette: np.ndarray, ids: Sequence[int],
           width: int) -> np.ndarray:
    """RGB strip with a swatch and the name of every class id in ``ids``."""
    items = [(int(i), classes[i]) for i in ids if 0 <= i < len(classes)]
    font, scale, row_h = cv2.FONT_HERSHEY_SIMPLEX, 0.45, 22
    x, y, cells = 6, 0, []
    for cid, name in items:
        w = 20 + cv2.getTextSize(name, font, scale, 1)[0][0] + 14
        if x + w > width and x > 6:
            x, y = 6, y + row_h
        cells.append((cid, name, x, y))
        x += w
    strip = np.full((y + row_h + 4, width, 3), 255, np.uint8)
    for cid, name, cx, cy in cells:
        color = tuple(int(c) for c in palette[cid])
        cv2.rectangle(strip, (cx, cy + 5), (cx + 14, cy + 19), color, -1)
        cv2.rectangle(strip, (cx, cy + 5), (cx + 14, cy + 19), (0, 0, 0), 1)
        cv2.putText(strip, name, (cx + 20, cy + 17), font, scale, (0, 0, 0),
                    1, cv2.LINE_AA)
    return strip


def compose_frame(img_rgb: np.ndarray, pred: np.ndarray,
                  gt: Optional[np.ndarray], palette: np.ndarray
                  ) -> np.ndarray:
    """H x 3W RGB: input | colourized prediction | colourized ground truth."""
    h, w = pred.shape
    if img_rgb.shape[:2] != (h, w):
        img_rgb = cv2.resize(img_rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    if gt is not None and gt.shape != (h, w):
        raise ValueError(f'label {gt.shape} and prediction {(h, w)} differ')
    gt_panel = (palette[gt] if gt is not None else np.full(
        (h, w, 3), 128, np.uint8))
    titles = PANEL_TITLES if gt is not None else PANEL_TITLES[:2] + (
        'unlabelled', )
    panels = []
    for panel, title in zip((img_rgb, palette[pred], gt_panel), titles):
        panel = np.ascontiguousarray(panel).copy()  # titles clip to the panel
        cv2.putText(panel, title, (5, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (255, 255, 255), 1, cv2.LINE_AA)
        panels.append(panel)
    return np.concatenate(panels, axis=1)


def write_video(frames: List[np.ndarray], out: str, fps: float) -> None:
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    if out.lower().endswith('.gif'):
        images = [Image.fromarray(f) for f in frames]
        images[0].save(out, save_all=True, append_images=images[1:],
                       duration=int(round(1000 / fps)), loop=0)
        return
    if not out.lower().endswith('.mp4'):
        raise ValueError(f'--out must end with .gif or .mp4, got {out}')
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    if not writer.isOpened():
        raise RuntimeError(f'cv2 cannot write MP4 to {out} (no mp4v '
                           'encoder in this build); write a .gif instead')
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()


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
    classes, palette = class_palette(args.classes)
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
