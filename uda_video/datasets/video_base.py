"""Common base of the video datasets: videos -> frames -> clip samples.

A subclass implements :meth:`load_videos`, returning the videos of the split in
order, each ``dict(video_id=str, frames=[frame, ...])`` with frames in time
order and every frame a dict with ``img_path``, ``seg_map_path`` (None when
unlabelled), ``flow_fw_path`` / ``flow_bw_path`` (None when absent) and any
extra per-frame keys (e.g. ``panoptic_segments``); an optional ``is_key``
(default: labelled) selects the labelled frames that are training keys.

Samples:
    * training (``all_frames=False``): one sample per key frame (by default
      every labelled frame), videos in order;
    * ``all_frames=True`` (testing): every frame of every video in order, with
      ``is_labelled``.

Clips: ``frame_offsets`` starts with 0 (the key); each further entry is an int
(fixed offset) or a ``[lo, hi]`` pair (an offset drawn uniformly in lo..hi,
inclusive, per sample, from numpy's global RNG which mmengine seeds per worker).
Borders are handled by **clamping**: a reference frame outside the video is
replaced by the first/last frame, and the metainfo ``frame_offsets`` holds the
*effective* offsets (e.g. ``[0, 0]`` for offset -1 at frame 0).
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from mmseg.datasets import BaseSegDataset

from .classes import IGNORE_INDEX, get_classes

Offset = Union[int, Sequence[int]]


def parse_frame_offsets(frame_offsets: Sequence[Offset]) -> List[Tuple[int, int]]:
    """Validate ``frame_offsets``; returns (lo, hi) per entry (lo == hi fixed)."""
    if not isinstance(frame_offsets, (list, tuple)) or len(frame_offsets) == 0:
        raise ValueError(f'frame_offsets must be a non-empty list, got '
                         f'{frame_offsets!r}')
    out = []
    for off in frame_offsets:
        if isinstance(off, (int, np.integer)):
            out.append((int(off), int(off)))
        elif (isinstance(off, (list, tuple)) and len(off) == 2
              and all(isinstance(o, (int, np.integer)) for o in off)
              and off[0] <= off[1]):
            out.append((int(off[0]), int(off[1])))
        else:
            raise ValueError(f'frame_offsets entry {off!r} must be an int or '
                             f'a [lo, hi] pair of ints with lo <= hi')
    if out[0] != (0, 0):
        raise ValueError(f'frame_offsets must start with 0 (the key frame), '
                         f'got {frame_offsets!r}')
    return out


def resolve_clip(frame_id: int, num_frames: int,
                 offsets: Sequence[Tuple[int, int]],
                 rng=np.random) -> Tuple[List[int], List[int]]:
    """Frame indices and effective offsets of a clip (references clamped).

    Returns:
        (indices, effective_offsets), both of length T, key first.
    """
    indices, effective = [], []
    for lo, hi in offsets:
        off = lo if lo == hi else int(rng.randint(lo, hi + 1))
        idx = min(max(frame_id + off, 0), num_frames - 1)
        indices.append(idx)
        effective.append(idx - frame_id)
    return indices, effective


class BaseVideoDataset(BaseSegDataset):
    """Video dataset base (see module docstring).

    Args:
        data_root: dataset root folder (must exist).
        split: split name ('train', 'val', ...).
        protocol: class protocol, 'cityscapes19' or 'shared15'.
        frame_offsets: clip offsets, key first (see module docstring).
        all_frames: index every frame (test mode) instead of labelled keys.
        load_flow: give LoadClip the ground-truth flow key -> each reference
            (effective offsets must lie in -1..1).
        load_flow_back: also give LoadClip the reverse flow, each reference
            -> key (``clip_flow_back_paths``; needs ``load_flow``).
        pipeline: transforms.
        test_mode: mmengine test mode.
        lazy_init: defer indexing until first use.
        serialize_data: serialize the sample list (mmengine).
        indices: keep only these samples (mmengine), for quick subsets.
    """
    METAINFO = dict()

    def __init__(self,
                 data_root: str,
                 split: str,
                 protocol: str = 'shared15',
                 frame_offsets: Sequence[Offset] = (0, ),
                 all_frames: bool = False,
                 load_flow: bool = False,
                 load_flow_back: bool = False,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 serialize_data: bool = True,
                 indices: Optional[Union[int, Sequence[int]]] = None):
        if not isinstance(data_root, str) or not data_root:
            raise ValueError(f'data_root must be a folder path, got {data_root!r}')
        if not osp.isdir(data_root):
            raise FileNotFoundError(f'data_root {data_root!r} is not a folder')
        self.split = split
        self.protocol = protocol
        self.offsets = parse_frame_offsets(list(frame_offsets))
        self.all_frames = all_frames
        self.load_flow = load_flow
        if load_flow_back and not load_flow:
            raise ValueError('load_flow_back=True needs load_flow=True (the '
                             'reverse flow comes with the forward flow)')
        self.load_flow_back = load_flow_back
        if load_flow and any(lo < -1 or hi > 1 for lo, hi in self.offsets):
            raise ValueError('load_flow needs frame offsets within -1..1 (flow '
                             f'is stored between consecutive frames), got '
                             f'{list(frame_offsets)}')
        classes, palette = get_classes(protocol)
        self.videos: List[dict] = []
        super().__init__(
            data_root=data_root,
            metainfo=dict(classes=classes, palette=[list(p) for p in palette]),
            pipeline=list(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            serialize_data=serialize_data,
            indices=indices,
            ignore_index=IGNORE_INDEX,
            reduce_zero_label=False,
            max_refetch=0)

    # -- to implement -----------------------------------------------------
    def load_videos(self) -> List[dict]:
        raise NotImplementedError

    def label_lut(self) -> Optional[np.ndarray]:
        """256-entry LUT raw label id -> class (-1 unknown), or None when the
        frames carry ``panoptic_segments`` instead."""
        raise NotImplementedError

    # -- indexing -----------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        self.videos = self.load_videos()
        if not self.videos:
            raise FileNotFoundError(
                f'{type(self).__name__}: no videos found for split '
                f'{self.split!r} under {self.data_root!r}')
        data_list = []
        for vi, video in enumerate(self.videos):
            for fi, frame in enumerate(video['frames']):
                labelled = frame.get('seg_map_path') is not None
                if self.all_frames or frame.get('is_key', labelled):
                    data_list.append(dict(video_index=vi, frame_id=fi,
                                          is_labelled=labelled))
        if not data_list:
            raise FileNotFoundError(
                f'{type(self).__name__}: no labelled frames found for split '
                f'{self.split!r} under {self.data_root!r}')
        return data_list

    def video_sample_indices(self) -> List[List[int]]:
        """Sample indices of each video in frame order (for VideoSampler)."""
        groups = {}
        for idx in range(len(self)):
            info = BaseSegDataset.get_data_info(self, idx)
            groups.setdefault(info['video_index'], []).append(
                (info['frame_id'], idx))
        return [[i for _, i in sorted(g)] for _, g in sorted(groups.items())]

    def get_data_info(self, idx: int) -> dict:
        """The sample's clip: paths of all frames, labels and flows."""
        info = super().get_data_info(idx)
        video = self.videos[info['video_index']]
        frames = video['frames']
        ids, eff = resolve_clip(info['frame_id'], len(frames), self.offsets)
        key = frames[info['frame_id']]
        info.update(
            video_id=video['video_id'],
            frame_offsets=eff,
            img_path=key['img_path'],
            seg_map_path=key.get('seg_map_path'),
            clip_img_paths=[frames[i]['img_path'] for i in ids],
            ref_img_paths=[frames[i]['img_path'] for i in ids[1:]],
            clip_seg_map_paths=[frames[i].get('seg_map_path') for i in ids],
            clip_panoptic_segments=[frames[i].get('panoptic_segments') for i in ids],
            label_lut=self.label_lut(),
            ignore_mask_path=key.get('ignore_mask_path'),
            reduce_zero_label=False,
            seg_fields=[])
        if self.load_flow:
            flows = []
            for d in eff[1:]:
                if d == 0:
                    flows.append('zero')
                else:
                    path = key['flow_fw_path' if d > 0 else 'flow_bw_path']
                    if path is None:
                        raise FileNotFoundError(
                            f'no {"forward" if d > 0 else "backward"} flow '
                            f'file for frame {key["img_path"]}')
                    flows.append(path)
            info['clip_flow_paths'] = flows
        if self.load_flow_back:
            backs = []
            for i, d in zip(ids[1:], eff[1:]):
                if d == 0:
                    backs.append('zero')
                    continue
                # Reference t+d -> key t: forward flow of t-1, backward of t+1.
                ref = frames[i]
                path = ref['flow_fw_path' if d < 0 else 'flow_bw_path']
                if path is None:
                    raise FileNotFoundError(
                        f'no {"forward" if d < 0 else "backward"} flow file '
                        f'for frame {ref["img_path"]} (the reverse flow of '
                        f'key frame {key["img_path"]}, load_flow_back=True)')
                backs.append(path)
            info['clip_flow_back_paths'] = backs
        return info
