"""Cityscapes sequences (``leftImg8bit_sequence``) as a video dataset.

Layout::

    {data_root}/leftImg8bit_sequence/{split}/{city}/{city}_{seq:06d}_{frame:06d}_leftImg8bit.png
    {data_root}/gtFine/{split}/{city}/{city}_{seq:06d}_{frame:06d}_gtFine_labelIds.png
    {data_root}/flow/{split}/{city}/{city}_{seq:06d}_{frame:06d}_flow_fw.png / _flow_bw.png (optional)

A video is one snippet: a run of consecutive frame numbers of one
``{city}_{seq}`` (30 frames in Cityscapes, the 20th annotated). Label ids are
Cityscapes labelIds mapped to the protocol; rider is kept (cityscapes19),
merged into person or ignored (``rider``).
"""
import os
import os.path as osp
import re
from collections import defaultdict
from typing import List, Optional, Sequence

import numpy as np

from uda_video.registry import DATASETS
from .classes import cityscapes_label_map, label_map_lut
from .video_base import BaseVideoDataset, Offset

_FRAME_RE = re.compile(r'^(.+)_(\d{6})_(\d{6})_leftImg8bit\.png$')
_LABEL_RE = re.compile(r'^(.+)_(\d{6})_(\d{6})_gtFine_labelIds\.png$')


@DATASETS.register_module()
class CityscapesSeqDataset(BaseVideoDataset):
    """Cityscapes sequence snippets (see module docstring).

    Args:
        data_root, split, protocol, frame_offsets, all_frames, load_flow,
        load_flow_back, pipeline, test_mode, lazy_init, serialize_data,
        indices: see :class:`BaseVideoDataset`.
        rider: 'person' (merge), 'ignore', or 'rider' (cityscapes19 only).
            Defaults to 'rider' for cityscapes19 and 'person' for shared15.
        snippet_length: expected frames per snippet (30 in Cityscapes); a gap
            shorter than this inside a ``{city}_{seq}`` is a missing frame.
            None accepts any length.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 protocol: str = 'shared15',
                 rider: Optional[str] = None,
                 snippet_length: Optional[int] = 30,
                 frame_offsets: Sequence[Offset] = (0, ),
                 all_frames: bool = False,
                 load_flow: bool = False,
                 load_flow_back: bool = False,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 serialize_data: bool = True,
                 indices=None):
        self.rider = rider or ('rider' if protocol == 'cityscapes19' else 'person')
        self.snippet_length = snippet_length
        self._lut = label_map_lut(cityscapes_label_map(protocol, self.rider))
        super().__init__(data_root=data_root, split=split, protocol=protocol,
                         frame_offsets=frame_offsets, all_frames=all_frames,
                         load_flow=load_flow, load_flow_back=load_flow_back,
                         pipeline=pipeline,
                         test_mode=test_mode, lazy_init=lazy_init,
                         serialize_data=serialize_data, indices=indices)

    def label_lut(self) -> np.ndarray:
        return self._lut

    def load_videos(self) -> List[dict]:
        img_root = osp.join(self.data_root, 'leftImg8bit_sequence', self.split)
        if not osp.isdir(img_root):
            raise FileNotFoundError(
                f'CityscapesSeq: {img_root} is not a folder; expected '
                '{data_root}/leftImg8bit_sequence/{split}/{city}/'
                '{city}_{seq:06d}_{frame:06d}_leftImg8bit.png')
        gt_root = osp.join(self.data_root, 'gtFine', self.split)
        flow_root = osp.join(self.data_root, 'flow', self.split)
        videos = []
        for city in sorted(os.listdir(img_root)):
            city_dir = osp.join(img_root, city)
            groups = defaultdict(list)
            for name in os.listdir(city_dir):
                m = _FRAME_RE.match(name)
                if m is None or m.group(1) != city:
                    raise ValueError(
                        f'CityscapesSeq: unexpected file {osp.join(city_dir, name)}; '
                        f'frames must be named {city}_SSSSSS_FFFFFF_leftImg8bit.png')
                groups[m.group(2)].append(int(m.group(3)))
            labels = defaultdict(set)
            gt_dir = osp.join(gt_root, city)
            if osp.isdir(gt_dir):
                for name in os.listdir(gt_dir):
                    m = _LABEL_RE.match(name)
                    if m is None:
                        continue
                    seq, n = m.group(2), int(m.group(3))
                    if n not in groups.get(seq, ()):
                        raise FileNotFoundError(
                            f'CityscapesSeq: label {osp.join(gt_dir, name)} has no '
                            f'frame {osp.join(city_dir, name.replace("_gtFine_labelIds", "_leftImg8bit"))}')
                    labels[seq].add(n)
            flows = set(os.listdir(osp.join(flow_root, city))) \
                if osp.isdir(osp.join(flow_root, city)) else set()
            for seq in sorted(groups):
                for run in self._snippets(city_dir, city, seq, sorted(groups[seq])):
                    frames = []
                    for n in run:
                        stem = f'{city}_{seq}_{n:06d}'
                        fw, bw = f'{stem}_flow_fw.png', f'{stem}_flow_bw.png'
                        frames.append(dict(
                            img_path=osp.join(city_dir, f'{stem}_leftImg8bit.png'),
                            seg_map_path=osp.join(gt_dir, f'{stem}_gtFine_labelIds.png')
                            if n in labels[seq] else None,
                            flow_fw_path=osp.join(flow_root, city, fw) if fw in flows else None,
                            flow_bw_path=osp.join(flow_root, city, bw) if bw in flows else None))
                    videos.append(dict(video_id=f'{city}_{seq}_{run[0]:06d}',
                                       frames=frames))
        return videos

    def _snippets(self, city_dir: str, city: str, seq: str,
                  numbers: List[int]) -> List[List[int]]:
        """Split sorted frame numbers into snippets; raise on missing frames."""
        runs, cur = [], [numbers[0]]
        for n in numbers[1:]:
            gap = n - cur[-1] - 1
            if gap == 0:
                cur.append(n)
                continue
            if self.snippet_length is not None and gap < self.snippet_length:
                raise FileNotFoundError(
                    f'CityscapesSeq: missing frame '
                    f'{osp.join(city_dir, f"{city}_{seq}_{cur[-1] + 1:06d}_leftImg8bit.png")}')
            runs.append(cur)
            cur = [n]
        runs.append(cur)
        if self.snippet_length is not None:
            for run in runs:
                if len(run) != self.snippet_length:
                    raise FileNotFoundError(
                        f'CityscapesSeq: snippet {city}_{seq} frames '
                        f'{run[0]:06d}..{run[-1]:06d} in {city_dir} has {len(run)} '
                        f'frames, expected {self.snippet_length} (missing frames)')
        return runs
