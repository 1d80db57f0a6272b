"""Write the synthetic Sim2Real benchmark in the real datasets' layouts.

``write_benchmark(out, ...)`` creates::

    out/viper/{train,val}/img/{seq}/{seq}_{frame:05d}.jpg         source frames
    out/viper/{train,val}/cls/{seq}/{seq}_{frame:05d}.png         VIPER class ids
    out/viper/{train,val}/flow/{seq}/{seq}_{frame:05d}_flow_{fw,bw}.png
    out/viper/ego_vehicle_mask.png                                 255 = ego hood
    out/cityscapes/leftImg8bit_sequence/{split}/{city}/{city}_{seq:06d}_{frame:06d}_leftImg8bit.png
    out/cityscapes/gtFine/{split}/{city}/{city}_{seq:06d}_{frame:06d}_gtFine_labelIds.png
    out/cityscapes/flow/{split}/{city}/{city}_{seq:06d}_{frame:06d}_flow_{fw,bw}.png
    out/cityscapes_vps/{split}/img_all/{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_leftImg8bit.png
    out/cityscapes_vps/{split}/img/...           (the annotated frames)
    out/cityscapes_vps/{split}/panoptic_video/{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_gtFine_color.png
    out/cityscapes_vps/{split}/flow/{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_flow_{fw,bw}.png
    out/cityscapes_vps/panoptic_gt_{split}_city_vps.json
    out/pretrain/viper/train/{img,cls}/{seq}/{seq}_{frame:05d}.{jpg,png}
                                       the label-rich pretraining domain
    out/benchmark.json                 the arguments that wrote the tree

Source = VIPER layout, every frame labelled; target = the same videos in the
Cityscapes-sequence layout (one labelled frame per snippet, index
``min(19, F - 1)``) and in the Cityscapes-VPS layout (frames 0, 5, 10, ...
annotated, at most 6). ``fw`` flow of frame t goes to t+1 (absent on the last
frame), ``bw`` to t-1 (absent on the first); the VPS flow files of a frame
are byte-identical to its Cityscapes-sequence ones, named as
CityscapesVPSDataset and ``tools/dataset_converters/compute_flow.py`` name them.

The domain gap has two dials: ``appearance_gap`` moves the target's palette,
texture, lighting, sensor noise and blur from the source's (0) to
TARGET_STYLE (1); ``content_gap`` moves its class frequencies, object sizes,
layout and camera row from the source's (0) to TARGET_CONTENT (1). The
pretraining domain (PRETRAIN_STYLE: a random palette per video) is what
``configs/synthetic/pretrain_deeplabv2_r18-half-d8_synthetic.py`` trains the
shared initialisation on.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np

from ..classes import (CITYSCAPES_19, CITYSCAPES_LABEL_IDS, CITYSCAPES_THINGS,
                       VIPER_CLASSES)
from ..flow_io import flow_file_name, write_flow
from .scene import (PRETRAIN_CONTENT, PRETRAIN_STYLE, SCENE_CLASSES,
                    SOURCE_CONTENT, SOURCE_STYLE, TARGET_CONTENT, TARGET_STYLE,
                    SceneRenderer, blend_content, blend_style,
                    ego_vehicle_mask)

CITIES = ('alphaville', 'betaburg', 'gammatown')
VPS_INTERVAL = 5
VPS_MAX_ANNOTATED = 6
CITYSCAPES_LABELLED_FRAME = 19
JPEG_QUALITY = 92
# The calibrated gap (docs/benchmark_calibration.md): source-only at about
# half of the target-trained oracle, as on VIPER -> Cityscapes-Seq.
APPEARANCE_GAP = 1.0
CONTENT_GAP = 1.0
PRETRAIN_VIDEOS = 16
BENCHMARK_INFO = 'benchmark.json'  # the arguments that wrote a tree

# Scene class -> raw id on disk, per layout.
_VIPER_NAME = {'traffic light': 'trafficlight', 'traffic sign': 'trafficsign',
               'pole': 'infrastructure'}
SCENE_TO_VIPER = np.array([
    VIPER_CLASSES.index(_VIPER_NAME.get(n, n)) for n in SCENE_CLASSES], np.uint8)
SCENE_TO_CS_LABELID = np.array(
    [CITYSCAPES_LABEL_IDS[n] for n in SCENE_CLASSES], np.uint8)
SCENE_TO_CS_TRAINID = np.array(
    [CITYSCAPES_19.index(n) for n in SCENE_CLASSES], np.int64)


def split_videos(num_videos: int) -> Dict[str, List[int]]:
    """Video indices of each split: the last quarter (at least 1) is val."""
    if num_videos < 2:
        raise ValueError(f'need at least 2 videos (train + val), got {num_videos}')
    n_val = max(1, num_videos // 4)
    return {'train': list(range(num_videos - n_val)),
            'val': list(range(num_videos - n_val, num_videos))}


def cityscapes_labelled_frame(num_frames: int) -> int:
    """Index of the annotated frame of a synthetic Cityscapes snippet."""
    return min(CITYSCAPES_LABELLED_FRAME, num_frames - 1)


def vps_annotated_frames(num_frames: int) -> List[int]:
    """Frame indices annotated in the synthetic Cityscapes-VPS layout."""
    return list(range(0, num_frames, VPS_INTERVAL))[:VPS_MAX_ANNOTATED]


def _write_bytes(path: str, data: bytes) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def _imwrite(path: str, img: np.ndarray, params=()) -> None:
    ok, buf = cv2.imencode(osp.splitext(path)[1], img, list(params))
    if not ok:
        raise IOError(f'could not encode {path}')
    _write_bytes(path, buf.tobytes())


def _write_flows(prefix: str, frame, t: int, num_frames: int) -> None:
    h, w = frame.label.shape
    yy, xx = np.mgrid[0:h, 0:w]
    for name, flow, exists in (('fw', frame.flow_fw, t + 1 < num_frames),
                               ('bw', frame.flow_bw, t > 0)):
        if not exists:
            continue
        tx, ty = xx + flow[..., 0], yy + flow[..., 1]
        valid = (tx >= 0) & (tx <= w - 1) & (ty >= 0) & (ty <= h - 1)
        write_flow(flow_file_name(prefix, name), flow, valid)


def _panoptic(frame) -> (np.ndarray, list):
    """RGB panoptic PNG (id = R + 256 G + 256^2 B) and its segments_info."""
    train_id = SCENE_TO_CS_TRAINID[frame.label]
    seg = (train_id + 1) * 1000 + frame.track_id  # track_id is 0 on stuff
    segments = []
    for sid in np.unique(seg).tolist():
        cat = sid // 1000 - 1
        segments.append(dict(id=int(sid), category_id=int(cat), iscrowd=0,
                             area=int((seg == sid).sum())))
    rgb = np.stack([seg % 256, seg // 256 % 256, seg // 65536], axis=2)
    return rgb.astype(np.uint8), segments


def _vps_categories() -> list:
    return [dict(id=i, name=n, isthing=int(n in CITYSCAPES_THINGS))
            for i, n in enumerate(CITYSCAPES_19)]


def _write_viper_video(vroot: str, renderer: SceneRenderer, seq: str,
                       flows: bool = True) -> int:
    """Write one video in the VIPER layout under ``vroot``; returns frames."""
    frames = renderer.num_frames
    for t, fr in enumerate(renderer):
        name = f'{seq}/{seq}_{t:05d}'
        _imwrite(osp.join(vroot, 'img', name + '.jpg'),
                 cv2.cvtColor(fr.image, cv2.COLOR_RGB2BGR),
                 (cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY))
        _imwrite(osp.join(vroot, 'cls', name + '.png'),
                 SCENE_TO_VIPER[fr.label])
        if flows:
            _write_flows(osp.join(vroot, 'flow', name), fr, t, frames)
    return frames


def write_pretrain_domain(out: str, videos: int = PRETRAIN_VIDEOS,
                          frames: int = 30, height: int = 128,
                          width: int = 256, seed: int = 0) -> int:
    """The label-rich pretraining domain, VIPER layout, train split only,
    under ``out/pretrain/viper``; returns the number of frames written."""
    if videos < 1:
        raise ValueError(f'need at least 1 pretraining video, got {videos}')
    written = 0
    for vi in range(videos):
        written += _write_viper_video(
            osp.join(out, 'pretrain', 'viper', 'train'),
            SceneRenderer(PRETRAIN_STYLE, frames, height, width, (seed, 2, vi),
                          content=PRETRAIN_CONTENT), f'{vi + 1:03d}',
            flows=False)
    return written


def write_benchmark(out: str, videos: int = 24, frames: int = 30,
                    height: int = 128, width: int = 256, seed: int = 0,
                    progress: Optional[bool] = None,
                    appearance_gap: float = APPEARANCE_GAP,
                    content_gap: float = CONTENT_GAP,
                    pretrain_videos: int = PRETRAIN_VIDEOS) -> Dict[str, int]:
    """Generate the benchmark under ``out``; returns counts of written frames.

    ``videos`` videos per domain, ``frames`` frames each; ``appearance_gap``
    and ``content_gap`` in [0, 1] place the target between the source (0)
    and TARGET_STYLE / TARGET_CONTENT (1); ``pretrain_videos`` videos of the
    pretraining domain (0: none). Output bytes are a function of the
    arguments only.
    """
    if frames < 2:
        raise ValueError(f'need at least 2 frames per video, got {frames}')
    target_style = blend_style(SOURCE_STYLE, TARGET_STYLE, appearance_gap)
    target_content = blend_content(SOURCE_CONTENT, TARGET_CONTENT, content_gap)
    if pretrain_videos < 0:
        raise ValueError(f'pretrain_videos must be >= 0, got {pretrain_videos}')
    splits = split_videos(videos)
    total = 2 * videos * frames
    bar = None
    if progress is None:
        import sys
        progress = sys.stdout.isatty()
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(total)
    counts = dict(source_frames=0, target_frames=0)
    ego = ego_vehicle_mask(height, width)
    _imwrite(osp.join(out, 'viper', 'ego_vehicle_mask.png'),
             ego.astype(np.uint8) * 255)
    vps_json = {s: dict(images=[], annotations=[], categories=_vps_categories())
                for s in splits}
    for split, indices in splits.items():
        for vi in indices:
            # Source (VIPER layout).
            counts['source_frames'] += _write_viper_video(
                osp.join(out, 'viper', split),
                SceneRenderer(SOURCE_STYLE, frames, height, width, (seed, 0, vi)),
                f'{vi + 1:03d}')
            if bar:
                bar.update(frames)
            # Target (Cityscapes-sequence and Cityscapes-VPS layouts).
            city = CITIES[vi % len(CITIES)]
            stem = f'{city}_{vi:06d}'
            croot = osp.join(out, 'cityscapes')
            lab_t = cityscapes_labelled_frame(frames)
            vps_t = vps_annotated_frames(frames)
            proot = osp.join(out, 'cityscapes_vps', split)
            for t, fr in enumerate(SceneRenderer(target_style, frames, height,
                                                 width, (seed, 1, vi),
                                                 content=target_content)):
                fname = f'{stem}_{t:06d}'
                bgr = cv2.cvtColor(fr.image, cv2.COLOR_RGB2BGR)
                ok, png = cv2.imencode('.png', bgr)
                png = png.tobytes()
                _write_bytes(osp.join(croot, 'leftImg8bit_sequence', split, city,
                                      f'{fname}_leftImg8bit.png'), png)
                _write_flows(osp.join(croot, 'flow', split, city, fname), fr, t,
                             frames)
                if t == lab_t:
                    _imwrite(osp.join(croot, 'gtFine', split, city,
                                      f'{fname}_gtFine_labelIds.png'),
                             SCENE_TO_CS_LABELID[fr.label])
                vname = f'{vi:04d}_{t:04d}_{fname}'
                _write_bytes(osp.join(proot, 'img_all', f'{vname}_leftImg8bit.png'),
                             png)
                _write_flows(osp.join(proot, 'flow', vname), fr, t, frames)
                if t in vps_t:
                    _write_bytes(osp.join(proot, 'img', f'{vname}_leftImg8bit.png'),
                                 png)
                    pan, segments = _panoptic(fr)
                    pan_file = f'{vname}_gtFine_color.png'
                    _imwrite(osp.join(proot, 'panoptic_video', pan_file),
                             cv2.cvtColor(pan, cv2.COLOR_RGB2BGR))
                    vps_json[split]['images'].append(dict(
                        id=vname, file_name=f'{vname}_leftImg8bit.png',
                        width=width, height=height))
                    vps_json[split]['annotations'].append(dict(
                        image_id=vname, file_name=pan_file,
                        segments_info=segments))
                counts['target_frames'] += 1
                if bar:
                    bar.update()
    for split, content in vps_json.items():
        _write_bytes(osp.join(out, 'cityscapes_vps',
                              f'panoptic_gt_{split}_city_vps.json'),
                     json.dumps(content, sort_keys=True).encode())
    if pretrain_videos:
        counts['pretrain_frames'] = write_pretrain_domain(
            out, pretrain_videos, frames, height, width, seed)
    # What made this tree (read back by tools/demo.py).
    _write_bytes(osp.join(out, BENCHMARK_INFO), json.dumps(dict(
        videos=videos, frames=frames, height=height, width=width, seed=seed,
        appearance_gap=appearance_gap, content_gap=content_gap,
        pretrain_videos=pretrain_videos), sort_keys=True).encode())
    if bar:
        print()
    return counts
