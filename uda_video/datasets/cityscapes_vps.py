"""Cityscapes-VPS (video panoptic segmentation) as a video dataset.

Layout (the VPS release, after its preparation scripts)::

    {data_root}/{split}/img_all/{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_leftImg8bit.png
    {data_root}/{split}/img/...                      annotated frames only (used if no img_all)
    {data_root}/{split}/panoptic_video/<annotation file_name>   RGB ids, id = R + 256 G + 256^2 B
    {data_root}/panoptic_gt_{split}_city_vps.json    COCO-panoptic style: images, annotations
                                                     (image_id, file_name, segments_info), categories

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
from typing import List, Optional, Sequence

from uda_video.registry import DATASETS
from .classes import CITYSCAPES_19, IGNORE_INDEX, name_to_protocol_index
from .video_base import BaseVideoDataset, Offset

# A VPS frame file name: (video id, frame index in the video, rest, image type).
VPS_FRAME_RE = re.compile(r'^(\d{4})_(\d{4})_(.+)_(leftImg8bit|newImg8bit)\.png$')
VOID_PANOPTIC = IGNORE_INDEX * 1000


@DATASETS.register_module()
class CityscapesVPSDataset(BaseVideoDataset):
    """Cityscapes-VPS videos (see module docstring).

    Args:
        data_root, split, protocol, frame_offsets, all_frames, load_flow,
        load_flow_back, pipeline, test_mode, lazy_init, serialize_data,
        indices: see :class:`BaseVideoDataset`. ``load_flow`` needs flow
            files next to the frames (``{split}/flow/<frame stem>_flow_fw.png``).
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
        self.vps_ann_file = ann_file
        super().__init__(data_root=data_root, split=split, protocol=protocol,
                         frame_offsets=frame_offsets, all_frames=all_frames,
                         load_flow=load_flow, load_flow_back=load_flow_back,
                         pipeline=pipeline,
                         test_mode=test_mode, lazy_init=lazy_init,
                         serialize_data=serialize_data, indices=indices)

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
            if c.get('name') not in CITYSCAPES_19:
                raise ValueError(f'CityscapesVPS: unknown category {c!r} in the '
                                 'annotation file (expected Cityscapes class names)')
            idx = name_to_protocol_index(c['name'], self.protocol, self.rider)
            cats[c['id']] = (idx, bool(c.get('isthing', 0)))
        by_image = {a['image_id']: a for a in ann['annotations']}
        annotated = {}
        for im in ann['images']:
            if im['id'] not in by_image:
                raise ValueError(f'CityscapesVPS: image {im["id"]} has no annotation')
            annotated[im['file_name'].replace('_newImg8bit', '_leftImg8bit')] = by_image[im['id']]
        pan_dir = osp.join(split_root, 'panoptic_video')
        videos = defaultdict(list)
        for name in sorted(os.listdir(img_dir)):
            m = VPS_FRAME_RE.match(name)
            if m is None:
                raise ValueError(f'CityscapesVPS: unexpected file {osp.join(img_dir, name)}; '
                                 'frames must be named VVVV_FFFF_<city>_SSSSSS_FFFFFF_leftImg8bit.png')
            videos[m.group(1)].append((int(m.group(2)), name))
        out = []
        seen = set()
        flow_dir = osp.join(split_root, 'flow')
        for vid in sorted(videos):
            items = sorted(videos[vid])
            for (a, _), (b, _) in zip(items, items[1:]):
                if b != a + 1 and img_dir.endswith('img_all'):
                    raise FileNotFoundError(
                        f'CityscapesVPS: video {vid} misses frame {a + 1:04d} in {img_dir}')
            tracks = {}
            frames = []
            for fid, name in items:
                key = name.replace('_newImg8bit', '_leftImg8bit')
                stem = name.rsplit('_', 1)[0]
                frame = dict(img_path=osp.join(img_dir, name), seg_map_path=None,
                             flow_fw_path=None, flow_bw_path=None)
                for d in ('fw', 'bw'):
                    p = osp.join(flow_dir, f'{stem}_flow_{d}.png')
                    if osp.isfile(p):
                        frame[f'flow_{d}_path'] = p
                a = annotated.get(key)
                if a is not None:
                    seen.add(key)
                    frame['seg_map_path'] = osp.join(pan_dir, a['file_name'])
                    frame['panoptic_segments'] = self._segments(a, cats, tracks, vid)
                frames.append(frame)
            out.append(dict(video_id=vid, frames=frames))
        unseen = sorted(set(annotated) - seen)
        if unseen:
            raise FileNotFoundError(
                f'CityscapesVPS: annotated frame {osp.join(img_dir, unseen[0])} '
                f'is missing ({len(unseen)} annotated frames without image)')
        return out

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
