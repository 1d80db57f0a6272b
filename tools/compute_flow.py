"""Precompute optical flow of a dataset split with a classical backend.

    python tools/compute_flow.py IMG_DIR OUT_DIR [--method dis|farneback]
        [--preset medium] [--direction fw bw] [--suffix .png .jpg]
        [--shard I/N]

Every image under IMG_DIR (recursively) is a frame. A frame's name ends with its
frame number, optionally followed by a fixed tail (``aachen_000000_000019
_leftImg8bit.png``, ``001_00042.jpg``); the frames of one folder sharing the
part before the number form a video, ordered by the number. For frame t the
tool writes, in the project's flow format (uda_video.datasets.flow_io: 16-bit
PNG, KITTI encoding, docs/conventions.md)::

    OUT_DIR/<folder>/<name up to the frame number>_flow_fw.png   t -> next frame
    OUT_DIR/<folder>/<name up to the frame number>_flow_bw.png   t -> previous

(no fw file for a video's last frame, no bw file for its first), which is the
layout the synthetic benchmark uses. Existing files are skipped, so an
interrupted run resumes; ``--shard I/N`` (0 <= I < N) processes every N-th
frame pair starting at I, so N processes split one split's work.
"""
import argparse
import os
import os.path as osp
import re
import sys
from collections import defaultdict
from typing import Dict, List, NamedTuple, Sequence, Tuple

import cv2

from uda_video.datasets.flow_io import write_flow
from uda_video.models.flow.classical import ClassicalFlow

_FRAME_RE = re.compile(r'^(?P<prefix>.*?)(?P<number>\d+)(?P<tail>\D*)$')


class FlowTask(NamedTuple):
    """Flow from frame ``src`` to frame ``dst`` written to ``out``."""
    src: str
    dst: str
    out: str


def parse_frame_name(stem: str) -> Tuple[str, int, str]:
    """Split a frame name into (prefix, frame number, tail).

    The frame number is the last '_'-separated all-digit token
    ('city_000001_000019_leftImg8bit' -> ('city_000001_', 19, '_leftImg8bit'),
    '001_00042' -> ('001_', 42, '')); names without one end with digits
    ('frame0042' -> ('frame', 42, '')).
    """
    tokens = stem.split('_')
    digits = [i for i, tok in enumerate(tokens) if tok.isdigit()]
    if digits:
        i = digits[-1]
        prefix = ''.join(tok + '_' for tok in tokens[:i])
        tail = ''.join('_' + tok for tok in tokens[i + 1:])
        return prefix, int(tokens[i]), tail
    m = _FRAME_RE.match(stem)
    if m is None:
        raise ValueError(f'no frame number at the end of the name {stem!r}')
    return m['prefix'], int(m['number']), m['tail']


def group_videos(rel_paths: Sequence[str]) -> Dict[Tuple[str, str, str], List]:
    """Group relative frame paths into videos ordered by frame number.

    Returns:
        {(folder, prefix, tail): [(frame_number, rel_path), ...] sorted}.

    Raises:
        ValueError naming the path when a name has no frame number or two
        files share a video and a frame number.
    """
    videos = defaultdict(list)
    for rel in rel_paths:
        folder, name = osp.split(rel)
        try:
            prefix, number, tail = parse_frame_name(osp.splitext(name)[0])
        except ValueError as e:
            raise ValueError(f'{rel}: {e}') from None
        videos[(folder, prefix, tail)].append((number, rel))
    for key, frames in videos.items():
        frames.sort()
        numbers = [n for n, _ in frames]
        if len(set(numbers)) != len(numbers):
            dup = sorted({n for n in numbers if numbers.count(n) > 1})
            raise ValueError(f'video {key} has several files for frame '
                             f'number(s) {dup}')
    return dict(videos)


def flow_tasks(img_dir: str, out_dir: str, rel_paths: Sequence[str],
               directions: Sequence[str]) -> List[FlowTask]:
    """Every (frame, neighbour) flow to compute, in a deterministic order."""
    tasks = []
    for (folder, prefix, _), frames in sorted(group_videos(rel_paths).items()):
        width = None
        for i, (number, rel) in enumerate(frames):
            stem = osp.splitext(osp.basename(rel))[0]
            width = len(stem) - len(prefix) - len(parse_frame_name(stem)[2])
            base = osp.join(out_dir, folder, f'{prefix}{number:0{width}d}')
            if 'fw' in directions and i + 1 < len(frames):
                tasks.append(FlowTask(osp.join(img_dir, rel),
                                      osp.join(img_dir, frames[i + 1][1]),
                                      f'{base}_flow_fw.png'))
            if 'bw' in directions and i > 0:
                tasks.append(FlowTask(osp.join(img_dir, rel),
                                      osp.join(img_dir, frames[i - 1][1]),
                                      f'{base}_flow_bw.png'))
    return tasks


def parse_shard(text: str) -> Tuple[int, int]:
    """'I/N' -> (I, N) with 0 <= I < N."""
    m = re.fullmatch(r'(\d+)/(\d+)', text.strip())
    if m is None or not 0 <= int(m[1]) < int(m[2]):
        raise argparse.ArgumentTypeError(
            f'--shard must be I/N with 0 <= I < N, got {text!r}')
    return int(m[1]), int(m[2])


def list_frames(img_dir: str, suffixes: Sequence[str]) -> List[str]:
    """Relative paths of the images under ``img_dir`` (sorted)."""
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'image folder not found: {img_dir}')
    found = []
    for root, _, files in os.walk(img_dir):
        for f in files:
            if f.lower().endswith(tuple(suffixes)):
                found.append(osp.relpath(osp.join(root, f), img_dir))
    if not found:
        raise FileNotFoundError(
            f'no images with suffix {tuple(suffixes)} under {img_dir}')
    return sorted(found)


def _read(path: str):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f'could not read image {path}')
    return img


def run(img_dir: str, out_dir: str, method: str, preset: str,
        directions: Sequence[str], suffixes: Sequence[str],
        shard: Tuple[int, int], progress: bool) -> Tuple[int, int]:
    """Compute this shard's missing flows. Returns (written, skipped)."""
    tasks = flow_tasks(img_dir, out_dir, list_frames(img_dir, suffixes),
                       directions)
    index, count = shard
    mine = tasks[index::count]
    todo = [t for t in mine if not osp.isfile(t.out)]
    backend = ClassicalFlow(method=method, preset=preset)
    bar = None
    if progress and todo:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(todo))
    for task in todo:
        flow = backend.compute(_read(task.src), _read(task.dst))
        write_flow(task.out, flow)
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stdout.write('\n')
    return len(todo), len(mine) - len(todo)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write classical optical flow for every frame of a split')
    parser.add_argument('img_dir', help='folder of the split\'s frames')
    parser.add_argument('out_dir', help='folder for the flow files')
    parser.add_argument('--method', choices=['dis', 'farneback'],
                        default='dis')
    parser.add_argument('--preset', choices=['ultrafast', 'fast', 'medium'],
                        default='medium', help='DIS preset')
    parser.add_argument('--direction', nargs='+', choices=['fw', 'bw'],
                        default=['fw', 'bw'])
    parser.add_argument('--suffix', nargs='+', default=['.png', '.jpg'],
                        help='image suffixes to take as frames')
    parser.add_argument('--shard', type=parse_shard, default=(0, 1),
                        help='I/N: process every N-th flow starting at I')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    written, skipped = run(args.img_dir, args.out_dir, args.method,
                           args.preset, args.direction, args.suffix,
                           args.shard, progress=sys.stdout.isatty())
    print(f'shard {args.shard[0]}/{args.shard[1]}: wrote {written} flow '
          f'files, skipped {skipped} existing, under {args.out_dir}')


if __name__ == '__main__':
    main()
