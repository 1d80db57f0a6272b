"""Miniature dataset trees named exactly like the real releases (tiny images).

``from real_trees import make_cityscapes_seq_tree, make_viper_tree,
make_cityscapes_vps_tree``. Each writer returns a dict with ``root`` and what
it wrote (per split). Sizes are ``(width, height)``.

* Cityscapes ``leftImg8bit_sequence`` + ``gtFine``: the 30-frame snippet
  L-19 .. L+10 of every labelled frame L, with the real examples whose
  snippets are separated by frame numbers that do not exist (val
  ``frankfurt_000001`` 012699 / 012738, train ``strasbourg_000000`` 029020 /
  029051); ``labelIds`` as palette or grayscale PNGs with the release's
  companions (``_color``, ``_instanceIds``, ``_polygons.json``) and a
  user-made ``_labelTrainIds``.
* VIPER ``{split}/img/{seq}/{seq}_{frame:05d}.jpg`` and ``cls`` PNGs, labels on
  every frame or on every 10th frame.
* Cityscapes-VPS after its preparation scripts: ``img_all`` (Cityscapes
  sequence names, as the release's fetch script copies them), ``img`` (the
  annotated frames, ``VVVV_FFFF_..._{leftImg8bit|newImg8bit}.png``),
  ``panoptic_video`` (``_gtFine_color.png`` / ``_final_mask.png``) and
  ``panoptic_gt_{split}_city_vps.json`` with the release's 19 categories.

Scenes scroll right by one pixel per frame (a wrap-around roll), so the
optional flow files (fw: +1 px, bw: -1 px; the wrapped column invalid) are
exact.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from uda_video.datasets.classes import (CITYSCAPES_19, CITYSCAPES_19_PALETTE,
                                        CITYSCAPES_LABEL_IDS,
                                        CITYSCAPES_THINGS)
from uda_video.datasets.flow_io import write_flow

# Cityscapes labelled frames (city, seq, label frame) per split.
CITYSCAPES_SEQ_LABELS = {
    'train': [('aachen', 0, 19), ('hamburg', 0, 46521),
              ('strasbourg', 0, 29020), ('strasbourg', 0, 29051)],
    'val': [('frankfurt', 1, 12699), ('frankfurt', 1, 12738),
            ('lindau', 0, 19)],
    'test': [('berlin', 0, 19)],
}
SNIPPET_LENGTH = 30
LABEL_POSITION = 19

# Cityscapes-VPS videos (city, seq, Cityscapes label frame), in video order.
VPS_VIDEOS = [('frankfurt', 1, 12699), ('frankfurt', 1, 12738),
              ('frankfurt', 0, 1751), ('lindau', 0, 19), ('munster', 0, 19),
              ('munster', 1, 19)]
VPS_INTERVAL = 5
# The release's categories (prepare_city_vps/city_default.py): trainId order,
# 'vegitation' spelled as released.
VPS_CATEGORY_NAMES = [('vegitation' if n == 'vegetation' else n)
                      for n in CITYSCAPES_19]

# Raw ids of the scene layers per dataset.
_CS = CITYSCAPES_LABEL_IDS
VIPER_IDS = dict(sky=2, road=3, sidewalk=4, building=9, tree=7, car=24,
                 person=20, unlabeled=0, infrastructure=10)


def _mkdir(path: str) -> str:
    os.makedirs(path, exist_ok=True)
    return path


def _scene(h: int, w: int, ids: Dict[str, int], seed: int) -> np.ndarray:
    """A label map with a few regions: sky, building, vegetation, road,
    sidewalk, a car and a person (raw ids from ``ids``)."""
    rng = np.random.default_rng(seed)
    lab = np.full((h, w), ids['road'], np.uint8)
    lab[:h // 4] = ids['sky']
    lab[h // 4:h // 2] = ids['building']
    split = int(rng.integers(w // 4, w // 2))
    lab[h // 4:h // 2, split:split + w // 6] = ids['vegetation']
    lab[h // 2:h // 2 + max(1, h // 8)] = ids['sidewalk']
    cx = int(rng.integers(0, w - w // 4))
    lab[h // 2 + h // 8:h // 2 + h // 4, cx:cx + w // 5] = ids['car']
    px = int(rng.integers(0, w - 4))
    lab[h // 2 - h // 8:h // 2 + h // 8, px:px + 3] = ids['person']
    lab[-2:, :] = ids['void']
    return lab


def _cs_ids() -> Dict[str, int]:
    return dict(sky=_CS['sky'], building=_CS['building'],
                vegetation=_CS['vegetation'], road=_CS['road'],
                sidewalk=_CS['sidewalk'], car=_CS['car'],
                person=_CS['person'], void=1)  # 1: ego vehicle


def _viper_ids() -> Dict[str, int]:
    v = VIPER_IDS
    return dict(sky=v['sky'], building=v['building'], vegetation=v['tree'],
                road=v['road'], sidewalk=v['sidewalk'], car=v['car'],
                person=v['person'], void=v['infrastructure'])


def _image(lab: np.ndarray, seed: int) -> np.ndarray:
    """BGR uint8 frame whose colours follow the label (plus noise)."""
    rng = np.random.default_rng(seed)
    lut = (np.arange(256)[:, None] * np.array([37, 91, 53]) % 200 + 30)
    img = lut[lab].astype(np.int16) + rng.integers(-8, 9, lab.shape + (3, ))
    return np.clip(img, 0, 255).astype(np.uint8)


def _roll(a: np.ndarray, t: int) -> np.ndarray:
    return np.roll(a, t, axis=1)


def _write_png(path: str, img: np.ndarray) -> None:
    _mkdir(osp.dirname(path))
    if not cv2.imwrite(path, img):
        raise IOError(f'could not write {path}')


def _palette(ids_to_rgb: Dict[int, Tuple[int, int, int]]) -> List[int]:
    pal = []
    for i in range(256):
        pal.extend(ids_to_rgb.get(i, ((i * 53) % 256, (i * 97) % 256, (i * 29) % 256)))
    return pal


_CS_COLOURS = {_CS[n]: CITYSCAPES_19_PALETTE[CITYSCAPES_19.index(n)]
               for n in CITYSCAPES_19}


def write_label_png(path: str, ids: np.ndarray, palette: bool) -> None:
    """8-bit label ids as a palette ('P') or grayscale ('L') PNG."""
    _mkdir(osp.dirname(path))
    im = Image.fromarray(ids.astype(np.uint8))
    if palette:
        im.putpalette(_palette(_CS_COLOURS))
        assert im.mode == 'P'
    im.save(path)


def _write_flows(prefix: str, h: int, w: int, fw: bool, bw: bool) -> List[str]:
    """Flow of the one-pixel scroll: fw (+1, 0), bw (-1, 0); wrapped column
    invalid."""
    out = []
    for name, du, ok in (('fw', 1.0, fw), ('bw', -1.0, bw)):
        if not ok:
            continue
        flow = np.zeros((h, w, 2), np.float32)
        flow[..., 0] = du
        valid = np.ones((h, w), bool)
        valid[:, -1 if du > 0 else 0] = False
        path = f'{prefix}_flow_{name}.png'
        write_flow(path, flow, valid)
        out.append(path)
    return out


# ---------------------------------------------------------------------------
# Cityscapes sequences
# ---------------------------------------------------------------------------
def cityscapes_snippet(label: int, length: int = SNIPPET_LENGTH,
                       position: int = LABEL_POSITION) -> List[int]:
    """Frame numbers of the snippet of labelled frame ``label``."""
    first = label - min(position, length - 1)
    return list(range(first, first + length))


def _gtfine_companions(stem: str, ids: np.ndarray) -> List[str]:
    """The release's files beside labelIds, plus a user-made labelTrainIds."""
    h, w = ids.shape
    colour = np.zeros((h, w, 4), np.uint8)
    colour[..., 3] = 255
    for i, rgb in _CS_COLOURS.items():
        colour[ids == i, :3] = rgb
    paths = [f'{stem}_gtFine_color.png', f'{stem}_gtFine_instanceIds.png',
             f'{stem}_gtFine_labelTrainIds.png', f'{stem}_gtFine_polygons.json']
    Image.fromarray(colour).save(paths[0])
    inst = ids.astype(np.uint16)
    car = ids == _CS['car']
    inst[car] = _CS['car'] * 1000  # instance 0 of car
    cv2.imwrite(paths[1], inst)
    train = np.full_like(ids, 255)
    for c, n in enumerate(CITYSCAPES_19):
        train[ids == _CS[n]] = c
    cv2.imwrite(paths[2], train)
    objects = [dict(label=n, polygon=[[0, 0], [w - 1, 0], [w - 1, h - 1]])
               for n in ('sky', 'building', 'road', 'car')]
    with open(paths[3], 'w') as f:
        json.dump(dict(imgHeight=h, imgWidth=w, objects=objects), f)
    return paths


def make_cityscapes_seq_tree(root: str,
                             splits: Sequence[str] = ('train', 'val'),
                             size: Tuple[int, int] = (64, 32),
                             palette_labels: bool = True,
                             with_flow: bool = False) -> dict:
    """Write ``root/{leftImg8bit_sequence,gtFine,flow}/{split}/{city}/...``.

    Every labelled frame of :data:`CITYSCAPES_SEQ_LABELS` gets its 30-frame
    snippet; labelIds PNGs alternate palette / grayscale when
    ``palette_labels`` (else all grayscale), with the gtFine companions.
    ``with_flow`` writes the project's flow files for every frame (no fw on a
    snippet's last frame, no bw on its first).

    Returns:
        dict(root, labels={split: [labelIds paths]}, frames={split: count},
        snippets={split: [(city, seq, first, last, label)]},
        palette={split: [labelIds paths written as palette PNGs]},
        flows={split: [paths]}).
    """
    w, h = size
    out = dict(root=root, labels={}, frames={}, snippets={}, palette={},
               flows={})
    with open(osp.join(_mkdir(root), 'license.txt'), 'w') as f:
        f.write('miniature tree for tests\n')
    with open(osp.join(root, 'README'), 'w') as f:
        f.write('miniature tree for tests\n')
    k = 0
    for split in splits:
        if split not in CITYSCAPES_SEQ_LABELS:
            raise ValueError(f'no miniature Cityscapes content for split {split!r}')
        out['labels'][split], out['snippets'][split] = [], []
        out['palette'][split], out['flows'][split] = [], []
        n_frames = 0
        for li, (city, seq, label) in enumerate(CITYSCAPES_SEQ_LABELS[split]):
            base = _scene(h, w, _cs_ids(), seed=k)
            k += 1
            snippet = cityscapes_snippet(label)
            img_dir = _mkdir(osp.join(root, 'leftImg8bit_sequence', split, city))
            for t, n in enumerate(snippet):
                stem = f'{city}_{seq:06d}_{n:06d}'
                lab = _roll(base, t)
                _write_png(osp.join(img_dir, f'{stem}_leftImg8bit.png'),
                           _image(lab, seed=1000 * k + t))
                n_frames += 1
                if with_flow:
                    out['flows'][split] += _write_flows(
                        osp.join(_mkdir(osp.join(root, 'flow', split, city)), stem),
                        h, w, fw=t < len(snippet) - 1, bw=t > 0)
                if n != label:
                    continue
                gt_dir = _mkdir(osp.join(root, 'gtFine', split, city))
                path = osp.join(gt_dir, f'{stem}_gtFine_labelIds.png')
                palette = palette_labels and li % 2 == 0
                write_label_png(path, lab, palette)
                _gtfine_companions(osp.join(gt_dir, stem), lab)
                out['labels'][split].append(path)
                if palette:
                    out['palette'][split].append(path)
            out['snippets'][split].append((city, f'{seq:06d}', snippet[0],
                                           snippet[-1], label))
        out['frames'][split] = n_frames
    return out


# ---------------------------------------------------------------------------
# VIPER
# ---------------------------------------------------------------------------
def make_viper_tree(root: str,
                    splits: Sequence[str] = ('train', 'val'),
                    size: Tuple[int, int] = (64, 36),
                    seqs: int = 2,
                    frames: int = 21,
                    labels: str = 'every_10th',
                    palette_labels: bool = True,
                    with_flow: bool = False) -> dict:
    """Write ``root/{split}/{img,cls,flow}/{seq}/{seq}_{frame:05d}...``.

    Sequences '001', '002', ... per split, frames numbered from 00000 (the
    key-frame list of the field starts at 00010: 00000 has no t-1).
    ``labels``: 'every_10th' (frame % 10 == 0) or 'every_frame'. Label PNGs
    alternate palette / grayscale when ``palette_labels``.

    Returns:
        dict(root, labels={split: [cls paths]}, frames={split: count},
        key_frames={split: ['{seq}/{seq}_{frame:05d}.jpg' of labelled frames
        with frame % 10 == 0 and t-1 present]}, palette={split: [paths]},
        flows={split: [paths]}).
    """
    if labels not in ('every_10th', 'every_frame'):
        raise ValueError(f"labels must be 'every_10th' or 'every_frame', got {labels!r}")
    w, h = size
    out = dict(root=root, labels={}, frames={}, key_frames={}, palette={},
               flows={})
    k = 0
    for split in splits:
        for key in ('labels', 'key_frames', 'palette', 'flows'):
            out[key][split] = []
        out['frames'][split] = 0
        for si in range(seqs):
            seq = f'{si + 1:03d}'
            base = _scene(h, w, _viper_ids(), seed=500 + k)
            k += 1
            for n in range(frames):
                name = f'{seq}_{n:05d}'
                lab = _roll(base, n)
                img_path = osp.join(_mkdir(osp.join(root, split, 'img', seq)),
                                    f'{name}.jpg')
                if not cv2.imwrite(img_path, _image(lab, seed=7000 + 100 * k + n),
                                   [cv2.IMWRITE_JPEG_QUALITY, 95]):
                    raise IOError(f'could not write {img_path}')
                out['frames'][split] += 1
                if with_flow:
                    out['flows'][split] += _write_flows(
                        osp.join(_mkdir(osp.join(root, split, 'flow', seq)), name),
                        h, w, fw=n < frames - 1, bw=n > 0)
                if labels == 'every_10th' and n % 10:
                    continue
                path = osp.join(root, split, 'cls', seq, f'{name}.png')
                palette = palette_labels and n % 20 == 0
                write_label_png(path, lab, palette)
                out['labels'][split].append(path)
                if palette:
                    out['palette'][split].append(path)
                if n % 10 == 0 and n >= 1:
                    out['key_frames'][split].append(f'{seq}/{name}.jpg')
    return out


# ---------------------------------------------------------------------------
# Cityscapes-VPS
# ---------------------------------------------------------------------------
def vps_categories() -> List[dict]:
    """The release's 19 categories (id = trainId, names as released)."""
    return [dict(id=i, name=n, supercategory='', isthing=int(c in CITYSCAPES_THINGS),
                 color=list(CITYSCAPES_19_PALETTE[i]))
            for i, (n, c) in enumerate(zip(VPS_CATEGORY_NAMES, CITYSCAPES_19))]


def _vps_panoptic(lab: np.ndarray, video: int) -> Tuple[np.ndarray, list]:
    """Panoptic ids (H x W int64) and segments_info of a labelIds map.

    Stuff: one segment per class; the car: one thing segment whose id is
    the same in every frame of the video (its track); the person: a crowd
    segment; the ego-vehicle strip: VOID (id 0).
    """
    trainid = {_CS[n]: i for i, n in enumerate(CITYSCAPES_19)}
    ids = np.zeros(lab.shape, np.int64)
    segments = []
    for raw in np.unique(lab).tolist():
        if raw not in trainid:
            continue  # VOID
        cat = trainid[raw]
        name = CITYSCAPES_19[cat]
        sid = (cat + 1) * 1000 + (video if name == 'car' else 0) + 7
        ids[lab == raw] = sid
        segments.append(dict(id=int(sid), category_id=int(cat),
                             iscrowd=int(name == 'person'),
                             area=int((lab == raw).sum())))
    return ids, segments


def make_cityscapes_vps_tree(root: str,
                             splits: Sequence[str] = ('val', ),
                             size: Tuple[int, int] = (64, 32),
                             videos: int = 2,
                             frames: int = 30,
                             img_all_names: str = 'cityscapes',
                             with_flow: bool = False) -> dict:
    """Write the Cityscapes-VPS tree as its preparation scripts leave it.

    Video v (1-based, ``{v:04d}``) is the snippet of :data:`VPS_VIDEOS` [v-1]:
    ``frames`` frames with its Cityscapes labelled frame at index
    ``min(19, frames - 1)``; frames at index 4, 9, 14, ... are annotated
    (6 per 30-frame video), named ``{v:04d}_{fid:04d}_{city}_{seq}_{frame}``
    with ``fid`` the split's running annotated-frame number (1-based), as
    ``newImg8bit`` + ``_final_mask.png`` except the Cityscapes labelled frame
    (``leftImg8bit`` + ``_gtFine_color.png``). ``img_all`` (not for train,
    as released) holds every frame under its Cityscapes name
    (``img_all_names='cityscapes'``) or as ``{v:04d}_{index:04d}_..._leftImg8bit.png``
    (``'vps'``). ``with_flow``: ``{split}/flow/<stem>_flow_{fw,bw}.png``.

    Returns:
        dict(root, annotated={split: count}, frames={split: count of img_all
        frames}, videos={split: [(vid, city, seq, first, last)]},
        json={split: path}, flows={split: [paths]}).
    """
    if img_all_names not in ('cityscapes', 'vps'):
        raise ValueError(f"img_all_names must be 'cityscapes' or 'vps', got {img_all_names!r}")
    if videos > len(VPS_VIDEOS):
        raise ValueError(f'at most {len(VPS_VIDEOS)} miniature VPS videos')
    w, h = size
    out = dict(root=root, annotated={}, frames={}, videos={}, json={},
               flows={})
    for split in splits:
        split_root = _mkdir(osp.join(root, split))
        content = dict(images=[], annotations=[], categories=vps_categories())
        out['annotated'][split], out['frames'][split] = 0, 0
        out['videos'][split], out['flows'][split] = [], []
        fid = 0
        for v in range(1, videos + 1):
            city, seq, label = VPS_VIDEOS[v - 1]
            snippet = cityscapes_snippet(label, frames)
            base = _scene(h, w, _cs_ids(), seed=900 + v)
            for t, n in enumerate(snippet):
                core = f'{city}_{seq:06d}_{n:06d}'
                lab = _roll(base, t)
                img = _image(lab, seed=9000 + 100 * v + t)
                if split != 'train':
                    name = (f'{core}_leftImg8bit.png' if img_all_names == 'cityscapes'
                            else f'{v:04d}_{t:04d}_{core}_leftImg8bit.png')
                    _write_png(osp.join(split_root, 'img_all', name), img)
                    out['frames'][split] += 1
                    if with_flow:
                        out['flows'][split] += _write_flows(
                            osp.join(_mkdir(osp.join(split_root, 'flow')),
                                     name[:-len('_leftImg8bit.png')]),
                            h, w, fw=t < len(snippet) - 1, bw=t > 0)
                if t % VPS_INTERVAL != VPS_INTERVAL - 1:
                    continue
                fid += 1
                image_id = f'{v:04d}_{fid:04d}_{core}'
                original = n == label
                img_name = f'{image_id}_{"leftImg8bit" if original else "newImg8bit"}.png'
                pan_name = f'{image_id}_{"gtFine_color" if original else "final_mask"}.png'
                _write_png(osp.join(split_root, 'img', img_name), img)
                ids, segments = _vps_panoptic(lab, v)
                rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536],
                               axis=2).astype(np.uint8)
                _mkdir(osp.join(split_root, 'panoptic_video'))
                Image.fromarray(rgb).save(
                    osp.join(split_root, 'panoptic_video', pan_name))
                content['images'].append(dict(id=image_id, width=w, height=h,
                                              file_name=img_name))
                content['annotations'].append(dict(
                    image_id=image_id, file_name=pan_name, segments_info=segments))
                out['annotated'][split] += 1
            out['videos'][split].append((f'{v:04d}', city, f'{seq:06d}',
                                         snippet[0], snippet[-1]))
        path = osp.join(root, f'panoptic_gt_{split}_city_vps.json')
        with open(path, 'w') as f:
            json.dump(content, f)
        out['json'][split] = path
    return out


def write_frame_list(path: str, entries: Sequence[str],
                     prefix: Optional[str] = None) -> str:
    """A frame-list file, one entry a line (optionally with a path prefix)."""
    _mkdir(osp.dirname(osp.abspath(path)))
    with open(path, 'w') as f:
        for e in entries:
            f.write((osp.join(prefix, e) if prefix else e) + '\n')
    return path
