"""The demo's figure: predictions of several methods on a few target frames,
and their metrics as a bar chart below.

Layout: one row per frame, columns ``frame | ground truth | method 1 | ...``
(label maps painted with the palette, ignored pixels black, shown pixel for
pixel), then one grouped bar chart: one group per metric, one bar per method.
Written with matplotlib's Agg canvas (no display, no pyplot state).
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .colorize import colorize_labels

Box = Tuple[int, int, int, int]


@dataclass
class DemoFigure:
    """What :func:`write_demo_figure` wrote.

    ``panels[(row, column)]`` is the pixel box ``(x0, y0, x1, y1)`` (x right,
    y down, exclusive ends) of a grid panel in the image; column 0 is the
    frame, 1 the ground truth, 2.. the methods in ``predictions`` order.
    """
    path: str
    size: Tuple[int, int]  # (width, height) in pixels
    panels: Dict[Tuple[int, int], Box] = field(default_factory=dict)


def check_demo_inputs(frames: Sequence[np.ndarray],
                      gts: Sequence[np.ndarray],
                      predictions: Mapping[str, Sequence[np.ndarray]]
                      ) -> None:
    """Refuse inputs whose counts or sizes disagree, naming the one at
    fault (frames H x W x 3, label maps H x W of the frame's size)."""
    if not frames:
        raise ValueError('write_demo_figure needs at least one frame')
    if len(gts) != len(frames):
        raise ValueError(f'{len(gts)} ground-truth maps for {len(frames)} '
                         'frames')
    for i, frame in enumerate(frames):
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f'frame {i} must be H x W x 3 (RGB), got shape '
                             f'{frame.shape}')
        maps = [('ground truth', gts[i])]
        for method, preds in predictions.items():
            if len(preds) != len(frames):
                raise ValueError(f'method {method!r} has {len(preds)} '
                                 f'predictions for {len(frames)} frames')
            maps.append((f'prediction of {method!r}', preds[i]))
        for what, label in maps:
            if np.asarray(label).shape != frame.shape[:2]:
                raise ValueError(f'{what} of frame {i} has shape '
                                 f'{np.asarray(label).shape}, the frame '
                                 f'{frame.shape[:2]}')


def metric_names(table: Mapping[str, Mapping[str, float]]) -> List[str]:
    """The metrics of ``table`` (method -> metric -> value), mIoU first,
    the others in first-seen order."""
    names: List[str] = []
    for metrics in table.values():
        names += [k for k in metrics if k not in names]
    return sorted(names, key=lambda k: k != 'mIoU')


def write_demo_figure(frames: Sequence[np.ndarray],
                      gts: Sequence[np.ndarray],
                      predictions: Mapping[str, Sequence[np.ndarray]],
                      table: Mapping[str, Mapping[str, float]],
                      palette: Sequence[Sequence[int]],
                      out_path: str,
                      panel_width: Optional[int] = None,
                      dpi: int = 100) -> DemoFigure:
    """Write the demo figure (PNG, or any format matplotlib infers from
    ``out_path``'s extension).

    Args:
        frames: F target frames, H x W x 3 uint8 RGB (sizes may differ
            between frames).
        gts: F ground-truth maps H x W (class ids; 255 = ignore, black).
        predictions: method -> F predicted label maps H x W.
        table: method -> metric -> value (e.g. ``mIoU``, ``TC``, ``fps``);
            methods absent from ``predictions`` still get bars. Empty: no
            chart.
        palette: RGB triple per class.
        out_path: the file written (folders created).
        panel_width: pixels per panel (default: the widest frame's width,
            at least 96), every panel of a row scaled alike.
        dpi: resolution of the figure.

    Returns:
        :class:`DemoFigure` (size and panel boxes of the image written).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    check_demo_inputs(frames, gts, predictions)
    methods = list(predictions)
    columns = ['frame', 'ground truth'] + methods
    rows = len(frames)
    pw = panel_width or max(96, max(np.asarray(f).shape[1] for f in frames))
    heights = [pw * np.asarray(f).shape[0] / np.asarray(f).shape[1]
               for f in frames]
    title_px, gap_px, label_px = 28, 8, 110
    chart_px = 260 if table else 0
    width = label_px + len(columns) * (pw + gap_px)
    height = title_px + sum(h + gap_px for h in heights) + chart_px
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)

    axes = {}
    top = title_px
    for r, frame in enumerate(frames):
        tiles = [np.asarray(frame, np.uint8),
                 colorize_labels(np.asarray(gts[r]), palette)]
        tiles += [colorize_labels(np.asarray(predictions[m][r]), palette)
                  for m in methods]
        for c, tile in enumerate(tiles):
            left = label_px + c * (pw + gap_px)
            ax = fig.add_axes([left / width,
                               1 - (top + heights[r]) / height,
                               pw / width, heights[r] / height])
            ax.imshow(tile, interpolation='nearest', aspect='auto')
            ax.set_axis_off()
            if r == 0:
                ax.set_title(columns[c], fontsize=9)
            axes[(r, c)] = ax
        fig.text((label_px - 6) / width, 1 - (top + heights[r] / 2) / height,
                 f'frame {r}', ha='right', va='center', fontsize=8)
        top += heights[r] + gap_px

    if table:
        names = metric_names(table)
        bars = list(table)
        ax = fig.add_axes([label_px / width, 36 / height,
                           (width - label_px - gap_px) / width,
                           (chart_px - 72) / height])
        step = 0.8 / len(bars)
        x = np.arange(len(names))
        for i, method in enumerate(bars):
            values = [float(table[method].get(k, np.nan)) for k in names]
            drawn = ax.bar(x - 0.4 + step * (i + 0.5), values, width=step,
                           label=method)
            ax.bar_label(drawn, fmt='%.1f', fontsize=6)
        ax.set_xticks(x)
        ax.set_xticklabels(names, fontsize=8)
        ax.tick_params(axis='y', labelsize=8)
        ax.legend(fontsize=7, ncol=min(len(bars), 4), loc='upper right')
        ax.set_title('target val metrics', fontsize=9)

    fig.canvas.draw()
    w, h = (int(round(v)) for v in fig.canvas.get_width_height())
    panels = {}
    for key, ax in axes.items():
        x0, y0, x1, y1 = ax.get_window_extent().extents
        panels[key] = (int(np.ceil(x0)), int(np.ceil(h - y1)),
                       int(np.floor(x1)), int(np.floor(h - y0)))
    folder = osp.dirname(osp.abspath(out_path))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(out_path, dpi=dpi)
    return DemoFigure(path=out_path, size=(w, h), panels=panels)
