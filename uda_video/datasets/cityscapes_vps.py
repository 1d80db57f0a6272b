"""Cityscapes-VPS (video panoptic segmentation) as a video dataset.

Layout (the VPS release, after its preparation scripts)::

    {data_root}/{split}/img_all/{city}_{seq:06d}_{frame:06d}_leftImg8bit.png   every frame
        (the release's fetch script copies the Cityscapes sequence names), or
    {data_root}/{split}/img_all/{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_leftImg8bit.png
    {data_root}/{split}/img/{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_{leftImg8bit|newImg8bit}.png
                                                     annotated frames only (used if no img_all)
    {data_root}/{split}/panoptic_video/<annotation file_name>   RGB ids, id = R + 256 G + 256^2 B
        (``..._gtFine_color.png``; ``..._final_mask.png`` for newImg8bit frames)
    {data_root}/panoptic_gt_{split}_city_vps.json    COCO-panoptic style: images, annotations
                                                     (image_id, file_name, segments_info), categories

Annotated frames are matched to frames by their ``{city}_{seq}_{frame}``
part. With Cityscapes names in ``img_all`` a video is one run of consecutive
frame numbers of a ``{city}_{seq}`` (its id the ``{vid}`` of its annotated
frames); with ``{vid}_{fid}`` names it is one ``{vid}``, ordered by ``{fid}``.
Categories are mapped by name (the release's 'vegitation' is vegetation).

Gives ``gt_sem_seg`` (protocol classes) and ``gt_panoptic_seg`` with the
project's encoding ``class * 1000 + track`` (docs/conventions.md): the track
id k >= 1 of a thing segment numbers the video's thing segment ids in order of
first appearance (segment ids are consistent across the frames of a video), crowd things
``class * 1000``, VOID ``255 * 1000``.
"""
import json
import os
import os.path as osp
import re
from collections import defaultdict
from typing import List, Optional

from uda_video.registry import DATASETS
from .classes import (CITYSCAPES_19, IGNORE_INDEX, canonical_class_name,
                      default_rider, name_to_protocol_index)
from .flow_io import flow_file_name
from .video_base import BaseVideoDataset

# A VPS frame file name: (video id, frame index in the video, rest, image type).
VPS_FRAME_RE = re.compile(r'^(\d{4})_(\d{4})_(.+)_(leftImg8bit|newImg8bit)\.png$')
# A Cityscapes sequence frame name: (city, seq, frame).
CITY_FRAME_RE = re.compile(r'^(.+)_(\d{6})_(\d{6})_leftImg8bit\.png$')
# The {city}_{seq}_{frame} core of any VPS / Cityscapes file name.
_CORE_RE = re.compile(r'^(?:\d{4}_\d{4}_)?(.+_\d{6}_\d{6})_[A-Za-z0-9]+\.png$')


def frame_core(name: str) -> Optional[str]:
    """``{city}_{seq:06d}_{frame:06d}`` of a VPS or Cityscapes file name."""
    m = _CORE_RE.match(name)
    return m.group(1) if m else None
VOID_PANOPTIC = IGNORE_INDEX * 1000


@DATASETS.register_module()
class CityscapesVPSDataset(BaseVideoDataset):
    """Cityscapes-VPS videos (see module docstring).

    Args:
        data_root, split, protocol, kwargs (``frame_offsets``, ``load_flow``,
            ``pipeline``, ...): see :class:`BaseVideoDataset`. ``load_flow``
            needs flow files next to the frames
            (``{split}/flow/<frame stem>_flow_fw.png``).
        rider: 'person' (merge), 'ignore' or 'rider' (cityscapes19 only).
        ann_file: the panoptic JSON; default
            ``panoptic_gt_{split}_city_vps.json`` under data_root.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'val',
                 protocol: str = 'cityscapes19',
                 rider: Optional[str] = None,
                 ann_file: Optional[str] = None,
                 **kwargs):
        self.rider = default_rider(protocol, rider)
        self.vps_ann_file = ann_file
        super().__init__(data_root=data_root, split=split, protocol=protocol,
                         **kwargs)

    def label_lut(self):
        return None  # labels come from panoptic_segments

    def _load_json(self) -> dict:
        path = self.vps_ann_file or osp.join(
            self.data_root, f'panoptic_gt_{self.split}_city_vps.json')
        if not osp.isfile(path):
            raise FileNotFoundError(f'CityscapesVPS: annotation file not found: {path}')
        try:
            with open(path) as f:
                ann = json.load(f)
        except ValueError as e:
            raise ValueError(f'CityscapesVPS: {path} is not valid JSON: {e}') from None
        for key in ('images', 'annotations', 'categories'):
            if key not in ann:
                raise ValueError(f'CityscapesVPS: {path} has no {key!r} list')
        return ann

    def load_videos(self) -> List[dict]:
        split_root = osp.join(self.data_root, self.split)
        img_dir = osp.join(split_root, 'img_all')
        if not osp.isdir(img_dir):
            img_dir = osp.join(split_root, 'img')
        if not osp.isdir(img_dir):
            raise FileNotFoundError(
                f'CityscapesVPS: neither {split_root}/img_all nor {split_root}/img '
                'is a folder')
        ann = self._load_json()
        cats = {}
        for c in ann['categories']:
            name = canonical_class_name(c.get('name'))
            if name not in CITYSCAPES_19:
                raise ValueError(f'CityscapesVPS: unknown category {c!r} in the '
                                 'annotation file (expected Cityscapes class names)')
            idx = name_to_protocol_index(name, self.protocol, self.rider)
            cats[c['id']] = (idx, bool(c.get('isthing', 0)))
        by_image = {a['image_id']: a for a in ann['annotations']}
        annotated, ann_vid = {}, {}
        for im in ann['images']:
            if im['id'] not in by_image:
                raise ValueError(f'CityscapesVPS: image {im["id"]} has no annotation')
            core = frame_core(im['file_name'])
            if core is None:
                raise ValueError(f'CityscapesVPS: image file_name {im["file_name"]!r} '
                                 'is not a Cityscapes(-VPS) frame name')
            annotated[core] = (im['file_name'], by_image[im['id']])
            m = VPS_FRAME_RE.match(im['file_name'])
            if m is not None:
                ann_vid[core] = m.group(1)
        pan_dir = osp.join(split_root, 'panoptic_video')
        videos = self._list_videos(img_dir, ann_vid)
        out = []
        seen = set()
        flow_dir = osp.join(split_root, 'flow')
        for vid, names in videos:
            tracks = {}
            frames = []
            for name in names:
                core = frame_core(name)
                stem = name.rsplit('_', 1)[0]
                frame = dict(img_path=osp.join(img_dir, name), seg_map_path=None,
                             flow_fw_path=None, flow_bw_path=None)
                for d in ('fw', 'bw'):
                    p = osp.join(flow_dir, flow_file_name(stem, d))
                    if osp.isfile(p):
                        frame[f'flow_{d}_path'] = p
                if core in annotated:
                    _, a = annotated[core]
                    seen.add(core)
                    frame['seg_map_path'] = osp.join(pan_dir, a['file_name'])
                    frame['panoptic_segments'] = self._segments(a, cats, tracks, vid)
                frames.append(frame)
            out.append(dict(video_id=vid, frames=frames))
        unseen = sorted(set(annotated) - seen)
        if unseen:
            raise FileNotFoundError(
                f'CityscapesVPS: annotated frame {osp.join(img_dir, annotated[unseen[0]][0])} '
                f'is missing ({len(unseen)} annotated frames without image)')
        return out

    def _list_videos(self, img_dir: str, ann_vid: dict) -> List[tuple]:
        """(video id, frame file names in order) of every video in img_dir."""
        by_vid = defaultdict(list)
        by_seq = defaultdict(list)
        for name in sorted(os.listdir(img_dir)):
            if name.startswith('.'):
                continue
            m = VPS_FRAME_RE.match(name)
            if m is not None:
                by_vid[m.group(1)].append((int(m.group(2)), name))
                continue
            c = CITY_FRAME_RE.match(name)
            if c is None:
                raise ValueError(
                    f'CityscapesVPS: unexpected file {osp.join(img_dir, name)}; frames '
                    'must be named VVVV_FFFF_<city>_SSSSSS_FFFFFF_leftImg8bit.png '
                    'or <city>_SSSSSS_FFFFFF_leftImg8bit.png')
            by_seq[(c.group(1), c.group(2))].append((int(c.group(3)), name))
        if by_vid and by_seq:
            raise ValueError(f'CityscapesVPS: {img_dir} mixes VVVV_FFFF_-prefixed '
                             'and plain Cityscapes frame names')
        videos = []
        complete = osp.basename(img_dir) == 'img_all'
        for vid in sorted(by_vid):
            items = sorted(by_vid[vid])
            for (a, _), (b, _) in zip(items, items[1:]):
                if b != a + 1 and complete:
                    raise FileNotFoundError(
                        f'CityscapesVPS: video {vid} misses frame {a + 1:04d} in {img_dir}')
            videos.append((vid, [n for _, n in items]))
        for (city, seq), items in sorted(by_seq.items()):
            runs = []
            for n, name in sorted(items):
                if runs and n == runs[-1][-1][0] + 1:
                    runs[-1].append((n, name))
                else:
                    runs.append([(n, name)])
            for run in runs:
                names = [name for _, name in run]
                vids = sorted({ann_vid[frame_core(x)] for x in names
                               if frame_core(x) in ann_vid})
                if len(vids) > 1:
                    raise ValueError(
                        f'CityscapesVPS: frames {names[0]}..{names[-1]} in {img_dir} '
                        f'are consecutive but hold annotated frames of videos {vids}')
                vid = vids[0] if vids else f'{city}_{seq}_{run[0][0]:06d}'
                videos.append((vid, names))
        videos.sort(key=lambda v: v[0])
        return videos

    def _segments(self, ann: dict, cats: dict, tracks: dict, vid: str) -> dict:
        """segment id -> (semantic class, panoptic id) for one annotated frame."""
        segs = {}
        for s in ann['segments_info']:
            if s['category_id'] not in cats:
                raise ValueError(f'CityscapesVPS: {ann["file_name"]} segment {s["id"]} '
                                 f'has unknown category_id {s["category_id"]}')
            cls, isthing = cats[s['category_id']]
            if cls == IGNORE_INDEX:
                pan = VOID_PANOPTIC
            elif isthing and not s.get('iscrowd', 0):
                if s['id'] not in tracks:
                    tracks[s['id']] = len(tracks) + 1
                pan = cls * 1000 + tracks[s['id']]
            else:
                pan = cls * 1000
            segs[int(s['id'])] = (int(cls), int(pan))
        return segs
