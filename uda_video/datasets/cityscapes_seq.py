"""Cityscapes sequences (``leftImg8bit_sequence``) as a video dataset.

Layout (the releases as they unpack)::

    {data_root}/leftImg8bit_sequence/{split}/{city}/{city}_{seq:06d}_{frame:06d}_leftImg8bit.png
    {data_root}/gtFine/{split}/{city}/{city}_{seq:06d}_{frame:06d}_gtFine_labelIds.png
    {data_root}/flow/{split}/{city}/{city}_{seq:06d}_{frame:06d}_flow_fw.png / _flow_bw.png (optional)

The release holds, for every labelled frame L of ``gtFine``, the 30-frame
snippet L-19 .. L+10. Two labelled frames of one ``{city}_{seq}`` can lie 31
to 59 frames apart, so consecutive snippets are separated by 1 to 29 frame
numbers that do not exist. A video is one snippet:

* where ``gtFine`` labels exist for the ``{city}_{seq}``, each label L defines
  the snippet ``L - p .. L - p + snippet_length - 1`` with
  ``p = min(label_position, snippet_length - 1)``; every frame of it must exist
  (a missing one is a ``FileNotFoundError`` naming its path), and snippets of
  two labels must not overlap;
* frames outside every labelled snippet (and sequences without labels, e.g.
  the test split) are split at gaps into runs of exactly ``snippet_length``
  frames;
* ``snippet_length=None``: any run of consecutive frame numbers is a video.

Only ``*_gtFine_labelIds.png`` are labels; the release's companions beside
them (``_gtFine_color.png``, ``_gtFine_instanceIds.png``,
``_gtFine_polygons.json``, a user-made ``_gtFine_labelTrainIds.png``) are
ignored. Label ids are Cityscapes labelIds mapped to the protocol; rider is
kept (cityscapes19), merged into person or ignored (``rider``).
"""
import os
import os.path as osp
import re
from collections import defaultdict
from typing import List, Optional

import numpy as np

from uda_video.registry import DATASETS
from .classes import cityscapes_label_map, default_rider, label_map_lut
from .flow_io import flow_file_name
from .video_base import BaseVideoDataset

_FRAME_RE = re.compile(r'^(.+)_(\d{6})_(\d{6})_leftImg8bit\.png$')
_LABEL_RE = re.compile(r'^(.+)_(\d{6})_(\d{6})_gtFine_labelIds\.png$')


@DATASETS.register_module()
class CityscapesSeqDataset(BaseVideoDataset):
    """Cityscapes sequence snippets (see module docstring).

    Args:
        data_root, split, protocol, kwargs (``frame_offsets``, ``load_flow``,
            ``pipeline``, ...): see :class:`BaseVideoDataset`.
        rider: 'person' (merge), 'ignore', or 'rider' (cityscapes19 only).
            Defaults to 'rider' for cityscapes19 and 'person' for shared15.
        snippet_length: frames per snippet (30 in Cityscapes). None accepts
            any run of consecutive frames as a video.
        label_position: index of the labelled frame in its snippet (19: the
            20th frame, as released); clamped to ``snippet_length - 1``, which
            is also the synthetic benchmark's layout for short snippets.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 protocol: str = 'shared15',
                 rider: Optional[str] = None,
                 snippet_length: Optional[int] = 30,
                 label_position: int = 19,
                 **kwargs):
        if snippet_length is not None and (
                not isinstance(snippet_length, int) or snippet_length < 1):
            raise ValueError(f'snippet_length must be a positive int or None, '
                             f'got {snippet_length!r}')
        if not isinstance(label_position, int) or label_position < 0:
            raise ValueError(f'label_position must be an int >= 0, got '
                             f'{label_position!r}')
        self.rider = default_rider(protocol, rider)
        self.snippet_length = snippet_length
        self.label_position = label_position
        self._lut = label_map_lut(cityscapes_label_map(protocol, self.rider))
        super().__init__(data_root=data_root, split=split, protocol=protocol,
                         **kwargs)

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
        if osp.isdir(gt_root):
            for city in sorted(os.listdir(gt_root)):
                if (not city.startswith('.') and osp.isdir(osp.join(gt_root, city))
                        and not osp.isdir(osp.join(img_root, city))):
                    raise FileNotFoundError(
                        f'CityscapesSeq: {osp.join(gt_root, city)} has labels but '
                        f'{osp.join(img_root, city)} is not a folder (frames of '
                        'leftImg8bit_sequence not unpacked?)')
        videos = []
        for city in sorted(os.listdir(img_root)):
            city_dir = osp.join(img_root, city)
            if city.startswith('.') or not osp.isdir(city_dir):
                continue  # e.g. .DS_Store or a stray file beside the cities
            groups = defaultdict(list)
            for name in os.listdir(city_dir):
                if name.startswith('.'):
                    continue
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
                    m = _LABEL_RE.match(name)  # companions do not match
                    if m is None or m.group(1) != city:
                        continue
                    labels[m.group(2)].add(int(m.group(3)))
            for seq in sorted(labels):
                if seq not in groups:
                    stem = f'{city}_{seq}_{min(labels[seq]):06d}'
                    raise FileNotFoundError(
                        f'CityscapesSeq: label '
                        f'{osp.join(gt_dir, stem + "_gtFine_labelIds.png")} has no '
                        f'frame {osp.join(city_dir, stem + "_leftImg8bit.png")}')
            flows = set(os.listdir(osp.join(flow_root, city))) \
                if osp.isdir(osp.join(flow_root, city)) else set()
            for seq in sorted(groups):
                for run in self._snippets(city_dir, city, seq, sorted(groups[seq]),
                                          sorted(labels[seq])):
                    frames = []
                    for n in run:
                        stem = f'{city}_{seq}_{n:06d}'
                        fw, bw = flow_file_name(stem, 'fw'), flow_file_name(stem, 'bw')
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
                  numbers: List[int], labels: List[int]) -> List[List[int]]:
        """Snippets (lists of frame numbers, in order) of one ``{city}_{seq}``.

        Args:
            numbers: sorted frame numbers on disk.
            labels: sorted labelled frame numbers.
        """
        def frame_path(n):
            return osp.join(city_dir, f'{city}_{seq}_{n:06d}_leftImg8bit.png')

        def runs_of(nums):
            runs = []
            for n in nums:
                if runs and n == runs[-1][-1] + 1:
                    runs[-1].append(n)
                else:
                    runs.append([n])
            return runs

        if self.snippet_length is None:
            present = set(numbers)
            for n in labels:
                if n not in present:
                    raise FileNotFoundError(
                        f'CityscapesSeq: missing frame {frame_path(n)} (a labelled frame)')
            return runs_of(numbers)
        length = self.snippet_length
        pos = min(self.label_position, length - 1)
        present = set(numbers)
        snippets = []
        for label in labels:
            first = label - pos
            if snippets and first <= snippets[-1][-1]:
                prev = snippets[-1][0] + pos
                raise ValueError(
                    f'CityscapesSeq: labelled frames {city}_{seq}_{prev:06d} and '
                    f'{city}_{seq}_{label:06d} in {city_dir} are {label - prev} '
                    f'frames apart, so their snippets of {length} frames '
                    f'(label at index {pos}) overlap; check snippet_length / '
                    'label_position')
            run = list(range(first, first + length))
            for n in run:
                if n not in present:
                    raise FileNotFoundError(
                        f'CityscapesSeq: missing frame {frame_path(n)} (frame '
                        f'{n - first} of the {length}-frame snippet of labelled '
                        f'frame {city}_{seq}_{label:06d})')
            snippets.append(run)
        covered = {n for run in snippets for n in run}
        for run in runs_of([n for n in numbers if n not in covered]):
            if len(run) != length:
                raise FileNotFoundError(
                    f'CityscapesSeq: frames {city}_{seq}_{run[0]:06d}..{run[-1]:06d} '
                    f'in {city_dir} form a run of {len(run)} frames outside any '
                    f'labelled snippet, expected {length} (missing frames, or '
                    'a missing gtFine label?)')
            snippets.append(run)
        return sorted(snippets)
