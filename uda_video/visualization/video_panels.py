"""Side-by-side video panels: input | prediction | ground truth, a class
legend, and GIF / MP4 writing (``tools/analysis_tools/visualize_video.py``).

Frames are H x W x 3 uint8 RGB; label maps H x W class ids painted with a
protocol's palette (``uda_video.datasets.classes``), ids outside it black.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np
from PIL import Image

from .colorize import colorize_labels

PANEL_TITLES = ('input', 'prediction', 'ground truth')


def legend(classes: Sequence[str], palette: Sequence[Sequence[int]],
           ids: Sequence[int], width: int) -> np.ndarray:
    """RGB strip (rows x ``width`` x 3) with a swatch and the name of every
    class id in ``ids`` (ids outside ``classes`` left out)."""
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
                  gt: Optional[np.ndarray],
                  palette: Sequence[Sequence[int]]) -> np.ndarray:
    """H x 3W RGB: input | colourized prediction | colourized ground truth
    (grey without one); ids outside ``palette`` (ignore) are black."""
    h, w = pred.shape
    if img_rgb.shape[:2] != (h, w):
        img_rgb = cv2.resize(img_rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    if gt is not None and gt.shape != (h, w):
        raise ValueError(f'label {gt.shape} and prediction {(h, w)} differ')
    gt_panel = (colorize_labels(gt, palette) if gt is not None else np.full(
        (h, w, 3), 128, np.uint8))
    titles = PANEL_TITLES if gt is not None else PANEL_TITLES[:2] + (
        'unlabelled', )
    panels = []
    panels_rgb = (img_rgb, colorize_labels(pred, palette), gt_panel)
    for panel, title in zip(panels_rgb, titles):
        panel = np.ascontiguousarray(panel).copy()  # titles clip to the panel
        cv2.putText(panel, title, (5, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (255, 255, 255), 1, cv2.LINE_AA)
        panels.append(panel)
    return np.concatenate(panels, axis=1)


def write_video(frames: List[np.ndarray], out: str, fps: float) -> None:
    """RGB ``frames`` as a looping GIF or an mp4v MP4 (by ``out``'s suffix)."""
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
