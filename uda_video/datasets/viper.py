"""VIPER ("Playing for Benchmarks") video dataset.

Layout (per split)::

    {data_root}/{split}/img/{seq}/{seq}_{frame:05d}.jpg       frames
    {data_root}/{split}/cls/{seq}/{seq}_{frame:05d}.png       class ids (every frame or every 10th)
    {data_root}/{split}/flow/{seq}/{seq}_{frame:05d}_flow_fw.png / _flow_bw.png  (optional)

``cls`` PNGs are 8-bit grayscale or palette images (both read as ids). The
flow files are in the project's PNG format (docs/conventions.md). VIPER class
ids are mapped to the protocol (default the 15 shared classes); pixels of
``ego_vehicle_mask`` (a PNG, non-zero = ego vehicle, same size as the frames)
become ignore.

Training keys (samples): ``key_frames='all_labelled'`` (default) uses every
labelled frame; ``key_frames='every_10th'`` the field's key frames (DA-VSN's
list): labelled frames whose number is a multiple of 10 and whose previous
frame t-1 exists. ``frame_list`` restricts the keys to the frames a list file
names (one ``{seq}/{seq}_{frame:05d}.jpg`` a line, as DA-VSN's
``Viper_list/train.txt``; a path prefix or another suffix is tolerated).
"""
import os
import os.path as osp
import re
from collections import defaultdict
from typing import List, Optional, Sequence

import cv2
import numpy as np

from uda_video.registry import DATASETS
from .classes import label_map_lut, viper_label_map
from .flow_io import flow_file_name
from .video_base import BaseVideoDataset


def read_split_list(path: str) -> List[str]:
    """Names listed one per line in ``path`` (blank lines and # ignored)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'split list not found: {path}')
    with open(path) as f:
        names = [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]
    if not names:
        raise ValueError(f'split list {path} is empty')
    return names


KEY_FRAME_CHOICES = ('all_labelled', 'every_10th')
_LIST_ENTRY_RE = re.compile(r'^(?P<seq>[^/\\]+)_(?P<frame>\d{5})(?:\.[A-Za-z0-9]+)?$')


def read_frame_list(path: str) -> List[tuple]:
    """(seq, frame number, line) per entry of a VIPER frame list.

    Each line names one frame as ``{seq}/{seq}_{frame:05d}.jpg`` (DA-VSN's
    ``Viper_list``); only the file name counts, so a path prefix
    (``train/img/001/...``), another suffix (``.png``) or none is accepted.
    Blank lines and lines starting with # are skipped.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'VIPER: frame list not found: {path}')
    entries = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            name = re.split(r'[/\\]', line)[-1]
            m = _LIST_ENTRY_RE.match(name)
            if m is None:
                raise ValueError(f'VIPER: {path} line {i}: {line!r} does not name '
                                 'a frame as {seq}/{seq}_{frame:05d}.jpg')
            entries.append((m.group('seq'), int(m.group('frame')), line))
    if not entries:
        raise ValueError(f'VIPER: frame list {path} is empty')
    return entries


def contiguous_or_raise(numbers: Sequence[int], path_of, what: str) -> None:
    """Raise FileNotFoundError naming the first missing number's file."""
    for a, b in zip(numbers, numbers[1:]):
        if b != a + 1:
            raise FileNotFoundError(f'{what}: missing frame {path_of(a + 1)}')


@DATASETS.register_module()
class VIPERDataset(BaseVideoDataset):
    """VIPER videos (see module docstring).

    Args:
        data_root, split, protocol, kwargs (``frame_offsets``, ``load_flow``,
            ``pipeline``, ...): see :class:`BaseVideoDataset`.
        img_suffix: '.jpg' (VIPER's lossy frames) or '.png'.
        seq_list: optional text file of sequence names to use (one a line).
        ego_vehicle_mask: optional PNG whose non-zero pixels are set to ignore.
        key_frames: which labelled frames are training samples:
            'all_labelled' (default) every labelled frame; 'every_10th' the
            labelled frames with frame number % 10 == 0 whose frame t-1
            exists (the field's key frames; DA-VSN's train list has 13,367 in
            77 sequences).
        frame_list: optional list file of key frames (see
            :func:`read_frame_list`); only its sequences are loaded and only
            its frames are keys (``key_frames`` applies as well). An entry
            whose frame or label is not on disk is an error naming it.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 protocol: str = 'shared15',
                 img_suffix: str = '.jpg',
                 seq_list: Optional[str] = None,
                 ego_vehicle_mask: Optional[str] = None,
                 key_frames: str = 'all_labelled',
                 frame_list: Optional[str] = None,
                 **kwargs):
        self.viper_img_suffix = img_suffix
        self.seq_list = seq_list
        self.ego_vehicle_mask = ego_vehicle_mask
        if key_frames not in KEY_FRAME_CHOICES:
            raise ValueError(f'VIPER: key_frames must be one of '
                             f'{KEY_FRAME_CHOICES}, got {key_frames!r}')
        self.key_frames = key_frames
        self.frame_list = frame_list
        super().__init__(data_root=data_root, split=split, protocol=protocol,
                         **kwargs)

    def label_lut(self) -> np.ndarray:
        return label_map_lut(viper_label_map(self.protocol))

    def load_videos(self) -> List[dict]:
        img_root = osp.join(self.data_root, self.split, 'img')
        if not osp.isdir(img_root):
            raise FileNotFoundError(
                f'VIPER: {img_root} is not a folder; expected '
                f'{{data_root}}/{{split}}/img/{{seq}}/{{seq}}_{{frame:05d}}'
                f'{self.viper_img_suffix}')
        seqs = sorted(d for d in os.listdir(img_root)
                      if not d.startswith('.') and osp.isdir(osp.join(img_root, d)))
        listed = None
        if self.frame_list is not None:
            listed = defaultdict(dict)
            for seq, n, line in read_frame_list(self.frame_list):
                listed[seq][n] = line
            missing = [s for s in listed if s not in seqs]
            if missing:
                seq = missing[0]
                n, line = next(iter(listed[seq].items()))
                raise FileNotFoundError(
                    f'VIPER: {self.frame_list} entry {line!r}: sequence folder '
                    f'{osp.join(img_root, seq)} not found ({len(missing)} listed '
                    'sequences missing)')
        if self.seq_list is not None:
            wanted = read_split_list(self.seq_list)
            missing = [s for s in wanted if s not in seqs]
            if missing:
                raise FileNotFoundError(
                    f'VIPER: sequences {missing} of {self.seq_list} not found '
                    f'in {img_root}')
            seqs = wanted
        if listed is not None:
            seqs = [s for s in seqs if s in listed]
        videos = []
        for seq in seqs:
            video = self._load_seq(seq)
            self._mark_keys(video, seq, None if listed is None else listed[seq])
            videos.append(video)
        return videos

    def _mark_keys(self, video: dict, seq: str, listed: Optional[dict]) -> None:
        """Set each frame's ``is_key`` from ``key_frames`` and the list."""
        by_number = {f['number']: f for f in video['frames']}
        present = set(by_number)
        if listed is not None:
            for n, line in listed.items():
                frame = osp.join(self.data_root, self.split, 'img', seq,
                                 f'{seq}_{n:05d}{self.viper_img_suffix}')
                if n not in present:
                    raise FileNotFoundError(
                        f'VIPER: {self.frame_list} entry {line!r}: frame {frame} '
                        'not found')
                label = osp.join(self.data_root, self.split, 'cls', seq,
                                 f'{seq}_{n:05d}.png')
                if by_number[n]['seg_map_path'] is None:
                    raise FileNotFoundError(
                        f'VIPER: {self.frame_list} entry {line!r}: label {label} '
                        'not found')
        for frame in video['frames']:
            n = frame['number']
            key = frame['seg_map_path'] is not None
            if self.key_frames == 'every_10th':
                key = key and n % 10 == 0 and (n - 1) in present
            if listed is not None:
                key = key and n in listed
            frame['is_key'] = key

    def _load_seq(self, seq: str) -> dict:
        split_root = osp.join(self.data_root, self.split)
        seq_dir = osp.join(split_root, 'img', seq)
        if not osp.isdir(seq_dir):
            raise FileNotFoundError(f'VIPER: {seq_dir} is not a folder')
        pattern = re.compile(rf'^{re.escape(seq)}_(\d{{5}}){re.escape(self.viper_img_suffix)}$')
        other = re.compile(rf'^{re.escape(seq)}_\d{{5}}\.(jpg|png)$')
        numbers = []
        for name in os.listdir(seq_dir):
            m = pattern.match(name)
            if m is None and (name.startswith('.') or other.match(name)):
                continue  # hidden files; the release's other image format
            if m is None:
                raise ValueError(f'VIPER: unexpected file {osp.join(seq_dir, name)}; '
                                 f'frames must be named {seq}_NNNNN{self.viper_img_suffix}')
            numbers.append(int(m.group(1)))
        if not numbers:
            raise FileNotFoundError(f'VIPER: no frames in {seq_dir}')
        numbers.sort()

        def path(sub, n, suffix):
            return osp.join(split_root, sub, seq, f'{seq}_{n:05d}{suffix}')

        contiguous_or_raise(numbers, lambda n: path('img', n, self.viper_img_suffix),
                            f'VIPER sequence {seq}')
        cls_dir = osp.join(split_root, 'cls', seq)
        labelled = set()
        if osp.isdir(cls_dir):
            for name in os.listdir(cls_dir):
                m = re.match(rf'^{re.escape(seq)}_(\d{{5}})\.png$', name)
                if m is None:
                    continue
                n = int(m.group(1))
                if n not in numbers:
                    raise FileNotFoundError(
                        f'VIPER: label {osp.join(cls_dir, name)} has no frame '
                        f'{path("img", n, self.viper_img_suffix)}')
                labelled.add(n)
        flow_dir = osp.join(split_root, 'flow', seq)
        flows = set(os.listdir(flow_dir)) if osp.isdir(flow_dir) else set()
        frames = []
        for n in numbers:
            fw = flow_file_name(f'{seq}_{n:05d}', 'fw')
            bw = flow_file_name(f'{seq}_{n:05d}', 'bw')
            frames.append(dict(
                number=n,
                img_path=path('img', n, self.viper_img_suffix),
                seg_map_path=path('cls', n, '.png') if n in labelled else None,
                flow_fw_path=osp.join(flow_dir, fw) if fw in flows else None,
                flow_bw_path=osp.join(flow_dir, bw) if bw in flows else None,
                ignore_mask_path=self.ego_vehicle_mask))
        return dict(video_id=seq, frames=frames)

    def full_init(self):
        if self.ego_vehicle_mask is not None:
            if not osp.isfile(self.ego_vehicle_mask):
                raise FileNotFoundError(
                    f'VIPER: ego_vehicle_mask not found: {self.ego_vehicle_mask}')
            if cv2.imread(self.ego_vehicle_mask, cv2.IMREAD_GRAYSCALE) is None:
                raise ValueError(
                    f'VIPER: could not decode ego_vehicle_mask {self.ego_vehicle_mask}')
        super().full_init()
