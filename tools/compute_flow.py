"""Precompute optical flow of a dataset split with a classical backend.

    python tools/compute_flow.py IMG_DIR OUT_DIR [--method dis|farneback]
        [--preset medium] [--direction fw bw] [--suffix .png .jpg]
        [--naming auto|generic|vps] [--shard I/N]

Every image under IMG_DIR (recursively) is a frame; ``--naming`` says how a
frame's name gives its video and its place in the video:

* ``generic``: the name ends with its frame number, optionally followed by a
  fixed tail (``aachen_000000_000019_leftImg8bit.png``, ``001_00042.jpg``);
  the frames of one folder sharing the part before the number form a video,
  ordered by the number. The flow of frame t is written to::

      OUT_DIR/<folder>/<name up to the frame number>_flow_fw.png   t -> next frame
      OUT_DIR/<folder>/<name up to the frame number>_flow_bw.png   t -> previous

  (the layout of VIPER, Cityscapes sequences and the synthetic benchmark).
* ``vps``: Cityscapes-VPS names
  ``{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_leftImg8bit.png``: the
  frames of one folder with the same ``vid`` form a video, ordered by ``fid``,
  which must run without gaps (use ``img_all``, not the annotated ``img``).
  The flow goes to ``OUT_DIR/<folder>/<stem>_flow_{fw,bw}.png`` with ``stem``
  the name without ``_leftImg8bit.png``, where CityscapesVPSDataset looks
  (``{split}/flow``: ``python tools/compute_flow.py {split}/img_all
  {split}/flow``).
* ``auto`` (default): ``vps`` when every name is a VPS name, ``generic`` when
  none is, an error when the names are mixed.

Flow files are in the project's format (uda_video.datasets.flow_io: 16-bit
PNG, KITTI encoding, docs/conventions.md); there is no fw file for a video's
last frame and no bw file for its first. Existing files are skipped, so an
interrupted run resumes; ``--shard I/N`` (0 <= I < N) processes every N-th
frame pair starting at I, so N processes split one split's work.
"""
import argparse
import os
import os.path as osp
import re
import sys
from collections import defaultdict
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2

from uda_video.datasets.cityscapes_vps import VPS_FRAME_RE
from uda_video.datasets.flow_io import write_flow
from uda_video.models.flow.classical import ClassicalFlow

_FRAME_RE = re.compile(r'^(?P<prefix>.*?)(?P<number>\d+)(?P<tail>\D*)$')
NAMINGS = ('auto', 'generic', 'vps')


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


def parse_vps_name(name: str) -> Optional[Tuple[str, int, str]]:
    """A Cityscapes-VPS file name -> (video id, frame index, stem), else None.

    '0001_0002_city_000001_000020_leftImg8bit.png' ->
    ('0001', 2, '0001_0002_city_000001_000020'); the stem is what
    CityscapesVPSDataset puts before ``_flow_{fw,bw}.png``.
    """
    m = VPS_FRAME_RE.match(name)
    if m is None:
        return None
    return m.group(1), int(m.group(2)), name.rsplit('_', 1)[0]


def resolve_naming(rel_paths: Sequence[str], naming: str) -> str:
    """'generic' or 'vps' for ``naming`` in NAMINGS (see module docstring).

    Raises:
        ValueError naming a file that is not a VPS name under 'vps', or one
        VPS and one other name when 'auto' meets mixed names.
    """
    if naming not in NAMINGS:
        raise ValueError(f'--naming must be one of {NAMINGS}, got {naming!r}')
    if naming == 'generic':
        return naming
    is_vps = [parse_vps_name(osp.basename(r)) is not None for r in rel_paths]
    if all(is_vps):
        return 'vps'
    other = rel_paths[is_vps.index(False)]
    if naming == 'vps':
        raise ValueError(
            f'--naming vps: {other} is not a Cityscapes-VPS frame name '
            '(VVVV_FFFF_<city>_SSSSSS_FFFFFF_leftImg8bit.png)')
    if not any(is_vps):
        return 'generic'
    raise ValueError(
        f'--naming auto: {rel_paths[is_vps.index(True)]} is a Cityscapes-VPS '
        f'frame name but {other} is not; pass --naming vps or generic')


def group_vps_videos(rel_paths: Sequence[str]
                     ) -> Dict[Tuple[str, str], List[Tuple[int, str]]]:
    """Group Cityscapes-VPS frame paths into videos ordered by frame index.

    Returns:
        {(folder, video id): [(frame index, rel_path), ...] sorted}.

    Raises:
        ValueError naming the path when a name is not a VPS name, two files
        share a video and a frame index, or a frame index is missing.
    """
    videos = defaultdict(list)
    for rel in rel_paths:
        folder, name = osp.split(rel)
        parsed = parse_vps_name(name)
        if parsed is None:
            raise ValueError(f'{rel}: not a Cityscapes-VPS frame name')
        videos[(folder, parsed[0])].append((parsed[1], rel))
    for (folder, vid), frames in videos.items():
        frames.sort()
        for (a, rel_a), (b, rel_b) in zip(frames, frames[1:]):
            if b == a:
                raise ValueError(f'{rel_a} and {rel_b} are both frame {a:04d} '
                                 f'of VPS video {vid}')
            if b != a + 1:
                raise ValueError(
                    f'VPS video {vid} misses frame index {a + 1:04d} between '
                    f'{rel_a} and {rel_b}; flow needs consecutive frames '
                    '(use img_all, which holds every frame)')
    return dict(videos)


def video_frames(rel_paths: Sequence[str],
                 naming: str = 'auto') -> List[List[Tuple[str, str]]]:
    """The videos of ``rel_paths`` in a deterministic order.

    Returns:
        One list per video of (rel_path, out_base) in frame order; out_base is
        the flow files' path relative to OUT_DIR without
        ``_flow_{fw,bw}.png``.
    """
    if resolve_naming(rel_paths, naming) == 'vps':
        return [[(rel, osp.join(folder, parse_vps_name(osp.basename(rel))[2]))
                 for _, rel in frames]
                for (folder, _), frames in sorted(
                    group_vps_videos(rel_paths).items())]
    videos = []
    for (folder, _, tail), frames in sorted(group_videos(rel_paths).items()):
        video = []
        for _, rel in frames:
            stem = osp.splitext(osp.basename(rel))[0]
            video.append((rel, osp.join(folder, stem[:len(stem) - len(tail)])))
        videos.append(video)
    return videos


def flow_tasks(img_dir: str, out_dir: str, rel_paths: Sequence[str],
               directions: Sequence[str],
               naming: str = 'auto') -> List[FlowTask]:
    """Every (frame, neighbour) flow to compute, in a deterministic order."""
    tasks = []
    for frames in video_frames(rel_paths, naming):
        for i, (rel, base) in enumerate(frames):
            base = osp.join(out_dir, base)
            if 'fw' in directions and i + 1 < len(frames):
                tasks.append(FlowTask(osp.join(img_dir, rel),
                                      osp.join(img_dir, frames[i + 1][0]),
                                      f'{base}_flow_fw.png'))
            if 'bw' in directions and i > 0:
                tasks.append(FlowTask(osp.join(img_dir, rel),
                                      osp.join(img_dir, frames[i - 1][0]),
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
        shard: Tuple[int, int], progress: bool,
        naming: str = 'auto') -> Tuple[int, int]:
    """Compute this shard's missing flows. Returns (written, skipped)."""
    tasks = flow_tasks(img_dir, out_dir, list_frames(img_dir, suffixes),
                       directions, naming)
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
    parser.add_argument('--naming', choices=NAMINGS, default='auto',
                        help='frame names: generic (ends with the frame '
                        'number), vps (Cityscapes-VPS VVVV_FFFF_...), auto '
                        '(vps when every name is one)')
    parser.add_argument('--shard', type=parse_shard, default=(0, 1),
                        help='I/N: process every N-th flow starting at I')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    written, skipped = run(args.img_dir, args.out_dir, args.method,
                           args.preset, args.direction, args.suffix,
                           args.shard, progress=sys.stdout.isatty(),
                           naming=args.naming)
    print(f'shard {args.shard[0]}/{args.shard[1]}: wrote {written} flow '
          f'files, skipped {skipped} existing, under {args.out_dir}')


if __name__ == '__main__':
    main()
