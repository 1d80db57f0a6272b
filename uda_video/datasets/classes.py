"""Class lists, palettes and label-id maps: the project's one place for them.

Protocols:
    ``CITYSCAPES_19``: the 19 Cityscapes train classes (mmseg's names/order).
    ``SHARED_15``: the 15 classes shared by VIPER and Cityscapes (peers' protocol).

Label maps are dicts ``raw id -> class index`` (255 = ignore). Raw ids absent
from a map's ``known`` set are *unknown* and make :func:`apply_label_map` raise.
"""
from typing import Dict, Iterable, Optional, Tuple

import numpy as np

IGNORE_INDEX = 255

CITYSCAPES_19 = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                 'traffic light', 'traffic sign', 'vegetation', 'terrain',
                 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train',
                 'motorcycle', 'bicycle')
CITYSCAPES_19_PALETTE = ((128, 64, 128), (244, 35, 232), (70, 70, 70),
                         (102, 102, 156), (190, 153, 153), (153, 153, 153),
                         (250, 170, 30), (220, 220, 0), (107, 142, 35),
                         (152, 251, 152), (70, 130, 180), (220, 20, 60),
                         (255, 0, 0), (0, 0, 142), (0, 0, 70), (0, 60, 100),
                         (0, 80, 100), (0, 0, 230), (119, 11, 32))
# Things of the Cityscapes(-VPS) panoptic protocol.
CITYSCAPES_THINGS = ('person', 'rider', 'car', 'truck', 'bus', 'train',
                     'motorcycle', 'bicycle')

SHARED_15 = ('road', 'sidewalk', 'building', 'fence', 'traffic light',
             'traffic sign', 'vegetation', 'terrain', 'sky', 'person', 'car',
             'truck', 'bus', 'motorcycle', 'bicycle')
SHARED_15_PALETTE = tuple(
    CITYSCAPES_19_PALETTE[CITYSCAPES_19.index(c)] for c in SHARED_15)

PROTOCOLS = {
    'cityscapes19': (CITYSCAPES_19, CITYSCAPES_19_PALETTE),
    'shared15': (SHARED_15, SHARED_15_PALETTE),
}

# Cityscapes labelIds (cityscapesscripts' labels.py): name -> id, for the
# classes with a trainId. Every id in 0..33 is a valid labelId (-1, license
# plate, only appears in the polygon files, not in *_labelIds.png).
CITYSCAPES_LABEL_IDS = {
    'road': 7, 'sidewalk': 8, 'building': 11, 'wall': 12, 'fence': 13,
    'pole': 17, 'traffic light': 19, 'traffic sign': 20, 'vegetation': 21,
    'terrain': 22, 'sky': 23, 'person': 24, 'rider': 25, 'car': 26,
    'truck': 27, 'bus': 28, 'train': 31, 'motorcycle': 32, 'bicycle': 33
}
CITYSCAPES_KNOWN_LABEL_IDS = tuple(range(34))

# VIPER class ids (classes.csv of the VIPER release), index = id.
VIPER_CLASSES = ('unlabeled', 'ambiguous', 'sky', 'road', 'sidewalk',
                 'railtrack', 'terrain', 'tree', 'vegetation', 'building',
                 'infrastructure', 'fence', 'billboard', 'trafficlight',
                 'trafficsign', 'mobilebarrier', 'firehydrant', 'chair',
                 'trash', 'trashcan', 'person', 'animal', 'bicycle',
                 'motorcycle', 'car', 'van', 'bus', 'truck', 'trailer',
                 'train', 'plane', 'boat')
# VIPER class -> shared-15 class (peers' protocol); others are ignored.
VIPER_TO_SHARED_15_NAMES = {
    'road': 'road', 'sidewalk': 'sidewalk', 'building': 'building',
    'fence': 'fence', 'trafficlight': 'traffic light',
    'trafficsign': 'traffic sign', 'tree': 'vegetation',
    'vegetation': 'vegetation', 'terrain': 'terrain', 'sky': 'sky',
    'person': 'person', 'car': 'car', 'truck': 'truck', 'bus': 'bus',
    'motorcycle': 'motorcycle', 'bicycle': 'bicycle'
}

RIDER_CHOICES = ('person', 'ignore', 'rider')

# Category names of released annotation files that differ from the names
# above: the Cityscapes-VPS JSONs spell vegetation 'vegitation'.
CATEGORY_NAME_ALIASES = {'vegitation': 'vegetation'}


def canonical_class_name(name: str) -> str:
    """Project spelling of a Cityscapes-style class name from a release."""
    return CATEGORY_NAME_ALIASES.get(name, name)


def get_classes(protocol: str) -> Tuple[Tuple[str, ...], Tuple[tuple, ...]]:
    """(class names, palette) of ``protocol`` ('cityscapes19' | 'shared15')."""
    if protocol not in PROTOCOLS:
        raise ValueError(f'unknown class protocol {protocol!r}; expected one '
                         f'of {sorted(PROTOCOLS)}')
    return PROTOCOLS[protocol]


def default_rider(protocol: str, rider: Optional[str] = None) -> str:
    """``rider`` itself, or the protocol's default when None: 'rider' (kept)
    for cityscapes19, 'person' (merged) otherwise."""
    return rider or ('rider' if protocol == 'cityscapes19' else 'person')


def _check_rider(protocol: str, rider: str) -> None:
    if rider not in RIDER_CHOICES:
        raise ValueError(f'rider must be one of {RIDER_CHOICES}, got {rider!r}')
    if protocol == 'shared15' and rider == 'rider':
        raise ValueError("the shared15 protocol has no rider class: use "
                         "rider='person' (merge) or rider='ignore'")


def name_to_protocol_index(name: str, protocol: str,
                           rider: str = 'person') -> int:
    """Class index of Cityscapes-style class ``name`` in ``protocol``.

    ``rider`` is 'person' (merged into person), 'ignore' or 'rider' (kept;
    cityscapes19 only). Classes outside the protocol give 255.
    """
    classes, _ = get_classes(protocol)
    _check_rider(protocol, rider)
    if name == 'rider' and rider != 'rider':
        return classes.index('person') if rider == 'person' else IGNORE_INDEX
    return classes.index(name) if name in classes else IGNORE_INDEX


def cityscapes_label_map(protocol: str = 'cityscapes19',
                         rider: str = 'rider') -> Dict[int, int]:
    """Cityscapes labelId -> class index of ``protocol`` (all 34 ids).

    For 'cityscapes19' the default keeps rider (the standard trainIds).
    """
    if protocol == 'shared15' and rider == 'rider':
        rider = 'person'
    out = {i: IGNORE_INDEX for i in CITYSCAPES_KNOWN_LABEL_IDS}
    for name, label_id in CITYSCAPES_LABEL_IDS.items():
        out[label_id] = name_to_protocol_index(name, protocol, rider)
    return out


def trainid19_label_map(protocol: str = 'cityscapes19',
                        rider: str = 'rider') -> Dict[int, int]:
    """Cityscapes trainId (0..18, 255) -> class index of ``protocol``."""
    if protocol == 'shared15' and rider == 'rider':
        rider = 'person'
    out = {i: name_to_protocol_index(n, protocol, rider)
           for i, n in enumerate(CITYSCAPES_19)}
    out[IGNORE_INDEX] = IGNORE_INDEX
    return out


def viper_label_map(protocol: str = 'shared15') -> Dict[int, int]:
    """VIPER class id (0..31) -> class index of ``protocol``."""
    classes, _ = get_classes(protocol)
    out = {}
    for vid, vname in enumerate(VIPER_CLASSES):
        name = VIPER_TO_SHARED_15_NAMES.get(vname)
        out[vid] = classes.index(name) if name in classes else IGNORE_INDEX
    return out


def label_map_lut(label_map: Dict[int, int]) -> np.ndarray:
    """256-entry int16 lookup table; -1 marks raw ids unknown to the map."""
    lut = np.full(256, -1, np.int16)
    for k, v in label_map.items():
        if not 0 <= k <= 255:
            raise ValueError(f'raw label id {k} outside 0..255')
        lut[k] = v
    return lut


def apply_label_map(raw: np.ndarray, lut: np.ndarray,
                    source: Optional[str] = None) -> np.ndarray:
    """Map a uint8 H x W raw label image through ``lut`` (from label_map_lut).

    Raises:
        ValueError naming ``source`` and the offending values when ``raw``
        holds ids the map does not know (ids above 255 included).
    """
    if raw.dtype != np.uint8:
        if np.issubdtype(raw.dtype, np.integer) and raw.size and \
                raw.min() >= 0 and raw.max() <= 255:
            raw = raw.astype(np.uint8)
        elif np.issubdtype(raw.dtype, np.integer) and raw.size:
            bad = np.unique(raw[(raw < 0) | (raw > 255)])[:20].tolist()
            raise ValueError(f'{source or "label"}: unknown label values {bad} '
                             '(label ids must lie in 0..255)')
        else:
            raise ValueError(f'{source or "label"}: expected an integer label '
                             f'image, got dtype {raw.dtype}')
    mapped = lut[raw]
    if (mapped < 0).any():
        bad = np.unique(raw[mapped < 0]).tolist()
        raise ValueError(f'{source or "label"}: unknown label values {bad}')
    return mapped.astype(np.uint8)


def palette_of(classes: Iterable[str]) -> Tuple[tuple, ...]:
    """Cityscapes colours of Cityscapes-named ``classes``."""
    return tuple(CITYSCAPES_19_PALETTE[CITYSCAPES_19.index(c)] for c in classes)
