"""Procedural 2.5D driving scenes with exact optical flow.

A scene is a stack of horizontally scrolling layers (sky, buildings,
vegetation/terrain, sidewalk with fences and poles, road) and rigid sprites
(cars, trucks, buses, two-wheelers, persons) that move by whole pixels per
frame. Every pixel therefore moves by an integer vector, so the flow written
for it is exact, and occlusions are known from the per-pixel object ids.

Flow follows docs/conventions.md: ``flow_fw[t]`` is the flow from frame t to
t+1 (``frame_t(p) == frame_{t+1}(p + flow_fw[t](p))`` where not occluded),
``flow_bw[t]`` the flow from t to t-1. Arrays are H x W x 2 (u = dx, v = dy).
"""
from dataclasses import dataclass, replace
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np

# Classes the scenes use (Cityscapes names); label images hold indices into it.
SCENE_CLASSES = ('road', 'sidewalk', 'building', 'fence', 'pole',
                 'traffic light', 'traffic sign', 'vegetation', 'terrain',
                 'sky', 'person', 'car', 'truck', 'bus', 'motorcycle',
                 'bicycle')
THING_CLASSES = ('person', 'car', 'truck', 'bus', 'motorcycle', 'bicycle')
_CID = {n: i for i, n in enumerate(SCENE_CLASSES)}
TRANSPARENT = 255
EGO_ID = 99  # object id of the source domain's ego-vehicle hood

# Horizontal speed (px / frame, leftwards) of each layer under the camera pan.
LAYER_SPEEDS = {'sky': 0, 'building': 1, 'nature': 2, 'near': 3, 'road': 4}


@dataclass(frozen=True)
class DomainStyle:
    """Appearance of one domain (what differs between simulation and reality).

    Args:
        palette: RGB base colour per scene class.
        color_jitter: per-video, per-element colour jitter (+- this, per channel).
        texture: std of the static world-texture noise (grey levels).
        texture_blur: box size smoothing the texture noise (1 = pixel noise).
        gain_range: per-video global brightness gain range.
        vignette: strength of the radial darkening (0 = none).
        noise: std of the per-frame sensor noise.
        blur: Gaussian blur sigma of the camera (0 = sharp).
        ego_vehicle: draw an ego-vehicle hood (labelled car) at the bottom.
    """
    palette: Dict[str, Tuple[int, int, int]]
    color_jitter: int = 20
    texture: float = 6.0
    texture_blur: int = 1
    gain_range: Tuple[float, float] = (0.9, 1.1)
    vignette: float = 0.0
    noise: float = 0.0
    blur: float = 0.0
    ego_vehicle: bool = False
    random_palette: bool = False


@dataclass(frozen=True)
class DomainContent:
    """What the scenes of one domain contain and where its camera sits.

    Args:
        ground: image row (fraction of the height) where the sidewalk starts;
            the road starts 0.09 lower, building tops end 0.10 higher. A
            higher-mounted or down-pitched camera puts it higher (smaller).
        vehicles: range ``[lo, hi)`` of the number of vehicles per video.
        persons: range ``[lo, hi)`` of the number of persons per video.
        vehicle_kinds: the vehicle classes drawn from, uniformly per entry
            (repeat a name to make it more frequent).
        object_scale: size factor of every vehicle and person.
        building_gaps: probability that a building slot is left empty.
        terrain_share / vegetation_share: probability that a nature slot
            holds a terrain strip / a tree (the rest is empty).
        fence_share / pole_share: probability that a street-side slot holds
            a fence / a pole with a sign or a light.
    """
    ground: float = 0.55
    vehicles: Tuple[int, int] = (3, 7)
    persons: Tuple[int, int] = (2, 6)
    vehicle_kinds: Tuple[str, ...] = ('car', 'car', 'car', 'car', 'truck',
                                      'bus', 'motorcycle', 'bicycle')
    object_scale: float = 1.0
    building_gaps: float = 0.15
    terrain_share: float = 0.35
    vegetation_share: float = 0.40
    fence_share: float = 0.3
    pole_share: float = 0.3


# Class colours (source, target): saturated in simulation, muted and darker
# in the real-looking domain.
_PALETTES = {
    'sky': ((90, 160, 245), (185, 195, 200)),
    'building': ((170, 110, 90), (105, 105, 100)),
    'vegetation': ((30, 170, 40), (75, 100, 55)),
    'terrain': ((180, 200, 80), (125, 130, 95)),
    'sidewalk': ((215, 170, 215), (150, 142, 138)),
    'road': ((95, 90, 120), (72, 72, 76)),
    'fence': ((200, 150, 50), (125, 115, 100)),
    'pole': ((120, 120, 140), (70, 70, 72)),
    'traffic light': ((250, 210, 20), (95, 85, 45)),
    'traffic sign': ((250, 250, 60), (185, 175, 100)),
    'person': ((235, 50, 50), (95, 75, 72)),
    'car': ((30, 60, 230), (85, 92, 112)),
    'truck': ((40, 40, 130), (115, 105, 95)),
    'bus': ((20, 160, 170), (150, 150, 70)),
    'motorcycle': ((210, 30, 210), (60, 52, 62)),
    'bicycle': ((160, 30, 90), (105, 62, 62)),
}

SOURCE_STYLE = DomainStyle(
    palette={name: src for name, (src, _) in _PALETTES.items()},
    color_jitter=25, texture=4.0, texture_blur=1, gain_range=(0.95, 1.15),
    vignette=0.0, noise=0.0, blur=0.0, ego_vehicle=True)

TARGET_STYLE = DomainStyle(
    palette={name: tgt for name, (_, tgt) in _PALETTES.items()},
    color_jitter=18, texture=14.0, texture_blur=3, gain_range=(0.7, 1.05),
    vignette=0.35, noise=5.0, blur=0.8, ego_vehicle=False)

# Content: the simulator's scenes (wide roads, large vehicles, few persons,
# much nature) against the real city's (a higher camera, dense buildings,
# smaller and more frequent persons and two-wheelers).
SOURCE_CONTENT = DomainContent()
TARGET_CONTENT = DomainContent(
    ground=0.48, vehicles=(2, 6), persons=(4, 10),
    vehicle_kinds=('car', 'car', 'car', 'truck', 'bus', 'motorcycle',
                   'bicycle', 'bicycle'),
    object_scale=0.8, building_gaps=0.04, terrain_share=0.15,
    vegetation_share=0.30, fence_share=0.35, pole_share=0.4)

# The label-rich pretraining domain (the benchmark's stand-in for ImageNet):
# every video draws its own colour for every class, so only shape, layout
# and context name a class; many objects; a mild camera.
PRETRAIN_STYLE = DomainStyle(
    palette={name: src for name, (src, _) in _PALETTES.items()},
    color_jitter=30, texture=10.0, texture_blur=2, gain_range=(0.7, 1.2),
    vignette=0.15, noise=3.0, blur=0.4, ego_vehicle=False,
    random_palette=True)
PRETRAIN_CONTENT = DomainContent(
    ground=0.52, vehicles=(4, 9), persons=(4, 9),
    vehicle_kinds=('car', 'car', 'truck', 'bus', 'motorcycle', 'bicycle'),
    object_scale=0.9, building_gaps=0.1, terrain_share=0.3,
    vegetation_share=0.35, fence_share=0.3, pole_share=0.35)


def _lerp(a: float, b: float, w: float) -> float:
    return a + (b - a) * w


def blend_style(source: DomainStyle, target: DomainStyle,
                weight: float) -> DomainStyle:
    """The appearance ``weight`` of the way from ``source`` to ``target``.

    0 gives ``source``'s appearance, 1 ``target``'s: palette, jitter,
    texture, lighting, sensor noise and blur are interpolated; the ego
    hood and the palette mode are the target's.
    """
    _check_weight('appearance', weight)
    if weight == 1.0:
        return target
    palette = {k: tuple(int(round(_lerp(a, b, weight))) for a, b in
                        zip(source.palette[k], target.palette[k]))
               for k in target.palette}
    return replace(
        target, palette=palette,
        color_jitter=int(round(_lerp(source.color_jitter, target.color_jitter,
                                     weight))),
        texture=_lerp(source.texture, target.texture, weight),
        texture_blur=max(1, int(round(_lerp(source.texture_blur,
                                            target.texture_blur, weight)))),
        gain_range=tuple(_lerp(a, b, weight) for a, b in
                         zip(source.gain_range, target.gain_range)),
        vignette=_lerp(source.vignette, target.vignette, weight),
        noise=_lerp(source.noise, target.noise, weight),
        blur=_lerp(source.blur, target.blur, weight))


def blend_content(source: DomainContent, target: DomainContent,
                  weight: float) -> DomainContent:
    """The content ``weight`` of the way from ``source`` to ``target``.

    Rates, sizes and the camera row are interpolated, count ranges rounded;
    the vehicle mix is the nearer end's.
    """
    _check_weight('content', weight)
    if weight in (0.0, 1.0):
        return source if weight == 0.0 else target

    def counts(a, b):
        return tuple(int(round(_lerp(x, y, weight))) for x, y in zip(a, b))
    return DomainContent(
        ground=_lerp(source.ground, target.ground, weight),
        vehicles=counts(source.vehicles, target.vehicles),
        persons=counts(source.persons, target.persons),
        vehicle_kinds=(source.vehicle_kinds if weight < 0.5
                       else target.vehicle_kinds),
        **{f: _lerp(getattr(source, f), getattr(target, f), weight)
           for f in ('object_scale', 'building_gaps', 'terrain_share',
                     'vegetation_share', 'fence_share', 'pole_share')})


def _check_weight(name: str, weight: float) -> None:
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f'the {name} gap must lie in [0, 1], got {weight}')


@dataclass
class Sprite:
    """A rigid moving object: x, y of its top-left at frame 0; vx, vy px/frame."""
    rgb: np.ndarray  # h x w x 3 uint8
    mask: np.ndarray  # h x w bool
    cls: int  # index into SCENE_CLASSES
    x: int
    y: int
    vx: int
    vy: int
    obj_id: int
    track_id: int
    depth: float  # larger is nearer (drawn later)


@dataclass
class Layer:
    """A world strip scrolling left by ``speed`` px / frame."""
    rgb: np.ndarray  # H x WW x 3 uint8
    label: np.ndarray  # H x WW uint8 class index, TRANSPARENT where empty
    speed: int
    obj_id: int


@dataclass
class Frame:
    """One rendered frame.

    Attributes:
        image: H x W x 3 uint8 RGB as the camera records it (effects applied).
        clean: H x W x 3 uint8 RGB before the camera effects (exactly warpable).
        label: H x W uint8 index into SCENE_CLASSES.
        obj_id: H x W int32 id of the layer/object seen (occlusion reasoning).
        track_id: H x W int32, track id (>= 1) on thing pixels, 0 elsewhere.
        flow_fw / flow_bw: H x W x 2 float32 flow to t+1 / t-1 (pixels).
    """
    image: np.ndarray
    clean: np.ndarray
    label: np.ndarray
    obj_id: np.ndarray
    track_id: np.ndarray
    flow_fw: np.ndarray
    flow_bw: np.ndarray


def _color(style: DomainStyle, name: str, rng: np.random.Generator,
           jitter: Optional[int] = None) -> np.ndarray:
    j = style.color_jitter if jitter is None else jitter
    base = np.array(style.palette[name], np.int32)
    return np.clip(base + rng.integers(-j, j + 1, 3), 0, 255)


def _texture(style: DomainStyle, shape: Tuple[int, int],
             rng: np.random.Generator) -> np.ndarray:
    """Static H x W float32 luminance texture (zero mean)."""
    noise = rng.normal(0.0, 1.0, shape).astype(np.float32)
    if style.texture_blur > 1:
        noise = cv2.blur(noise, (style.texture_blur, style.texture_blur))
        noise /= max(float(noise.std()), 1e-6)
    return noise * style.texture


def _fill(layer: Layer, y0: int, y1: int, x0: int, x1: int, cls: int,
          color: np.ndarray) -> None:
    layer.rgb[y0:y1, x0:x1] = color
    layer.label[y0:y1, x0:x1] = cls


def _new_layer(h: int, ww: int, speed: int, obj_id: int) -> Layer:
    return Layer(np.zeros((h, ww, 3), np.uint8),
                 np.full((h, ww), TRANSPARENT, np.uint8), speed, obj_id)


def _rows(content: DomainContent, h: int) -> Tuple[int, int, int]:
    """(building-top limit, sidewalk top, road top) rows of a frame."""
    shift = (content.ground - 0.55) * h
    return (int(0.45 * h + shift), int(0.55 * h + shift),
            int(0.64 * h + shift))


def _build_layers(style: DomainStyle, content: DomainContent, h: int,
                  ww: int, rng: np.random.Generator) -> List[Layer]:
    horizon, ys0, yr0 = _rows(content, h)
    layers = []
    # Sky: vertical gradient.
    sky = _new_layer(h, ww, LAYER_SPEEDS['sky'], 1)
    c = _color(style, 'sky', rng).astype(np.float32)
    ramp = np.linspace(0.8, 1.1, h, dtype=np.float32)[:, None, None]
    sky.rgb[:] = np.clip(c * ramp, 0, 255).astype(np.uint8)
    sky.label[:] = _CID['sky']
    layers.append(sky)
    # Buildings with window grids and gaps.
    bld = _new_layer(h, ww, LAYER_SPEEDS['building'], 2)
    x = 0
    while x < ww:
        bw = int(rng.integers(max(4, ww // 40), max(5, ww // 12)))
        if rng.random() > content.building_gaps:
            top = int(rng.integers(int(0.05 * h), horizon))
            col = _color(style, 'building', rng)
            _fill(bld, top, ys0, x, x + bw, _CID['building'], col)
            win = np.clip(col * 0.6, 0, 255)
            step = max(3, h // 16)
            for wy in range(top + 2, ys0 - step, step):
                for wx in range(x + 2, x + bw - 2, step):
                    bld.rgb[wy:wy + step // 2, wx:wx + step // 2] = win
        x += bw
    layers.append(bld)
    # Vegetation (tree canopies, hedges) and terrain strips.
    nat = _new_layer(h, ww, LAYER_SPEEDS['nature'], 3)
    x = 0
    while x < ww:
        seg = int(rng.integers(max(6, ww // 30), max(7, ww // 8)))
        kind = rng.random()
        if kind < content.terrain_share:
            _fill(nat, ys0 - max(2, h // 20), ys0, x, x + seg, _CID['terrain'],
                  _color(style, 'terrain', rng))
        elif kind < content.terrain_share + content.vegetation_share:
            col = _color(style, 'vegetation', rng)
            r = int(rng.integers(max(3, h // 14), max(4, h // 7)))
            cx, cy = x + seg // 2, int(rng.integers(int(0.25 * h), horizon))
            mask = np.zeros((h, ww), np.uint8)
            cv2.circle(mask, (cx, cy), r, 1, -1)
            cv2.rectangle(mask, (cx - max(1, r // 5), cy), (cx + max(1, r // 5), ys0), 1, -1)
            nat.rgb[mask > 0] = col
            nat.label[mask > 0] = _CID['vegetation']
        x += seg
    layers.append(nat)
    # Near side: sidewalk, fences, poles with signs and lights.
    near = _new_layer(h, ww, LAYER_SPEEDS['near'], 4)
    _fill(near, ys0, yr0, 0, ww, _CID['sidewalk'], _color(style, 'sidewalk', rng))
    x = int(rng.integers(0, 20))
    while x < ww:
        kind = rng.random()
        if kind < content.fence_share:
            fw = int(rng.integers(max(6, ww // 25), max(7, ww // 10)))
            _fill(near, ys0 - max(3, h // 12), ys0, x, x + fw, _CID['fence'],
                  _color(style, 'fence', rng))
            x += fw
        elif kind < content.fence_share + content.pole_share:
            pw = pole_width(h)
            top = int(rng.integers(int(0.2 * h), int(0.35 * h)))
            _fill(near, top, yr0 - 1, x, x + pw, _CID['pole'], _color(style, 'pole', rng))
            if rng.random() < 0.5:
                s = max(3, h // 14)
                _fill(near, top - s, top + 1, x - s // 2, x - s // 2 + s,
                      _CID['traffic sign'], _color(style, 'traffic sign', rng))
            else:
                s = max(2, h // 22)
                _fill(near, top - 2 * s, top + 1, x - s // 2, x - s // 2 + s,
                      _CID['traffic light'], _color(style, 'traffic light', rng))
            x += pw
        x += int(rng.integers(max(4, ww // 40), max(5, ww // 10)))
    layers.append(near)
    # Road with lane markings.
    road = _new_layer(h, ww, LAYER_SPEEDS['road'], 5)
    col = _color(style, 'road', rng)
    _fill(road, yr0, h, 0, ww, _CID['road'], col)
    ym = (yr0 + h) // 2
    mark = np.clip(col + 90, 0, 255)
    dash = max(4, ww // 60)
    for mx in range(0, ww, 3 * dash):
        road.rgb[ym:ym + max(1, h // 64), mx:mx + dash] = mark
    layers.append(road)
    # Static world textures, labels unchanged.
    for layer in layers:
        tex = _texture(style, layer.label.shape, rng)
        layer.rgb[:] = np.clip(layer.rgb + tex[..., None], 0, 255).astype(np.uint8)
    return layers


def pole_width(h: int) -> int:
    """Pole width in pixels for a frame of height h."""
    return max(1, h // 48)


def _vehicle_sprite(style: DomainStyle, cls: str, scale: float,
                    rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    dims = {'car': (0.16, 0.36), 'truck': (0.26, 0.5), 'bus': (0.3, 0.7),
            'motorcycle': (0.12, 0.14), 'bicycle': (0.12, 0.13)}[cls]
    sh, sw = max(4, int(dims[0] * scale)), max(4, int(dims[1] * scale))
    mask = np.zeros((sh, sw), np.uint8)
    rgb = np.zeros((sh, sw, 3), np.uint8)
    col = _color(style, cls, rng)
    if cls in ('car', 'truck', 'bus'):
        cab = sh // 3 if cls == 'car' else 0
        mask[cab:sh - sh // 6, :] = 1
        mask[:cab + 1, sw // 5: sw - sw // 5] = 1
        rgb[mask > 0] = col
        rgb[max(1, cab // 3):cab, sw // 5 + 1: sw - sw // 5 - 1] = col // 3  # windows
        r = max(1, sh // 6)
        for wx in (sw // 5, sw - sw // 5):
            cv2.circle(mask, (wx, sh - r - 1), r, 1, -1)
            cv2.circle(rgb, (wx, sh - r - 1), r, (20, 20, 20), -1)
    else:
        r = max(1, sh // 4)
        for wx in (r, sw - r - 1):
            cv2.circle(mask, (wx, sh - r - 1), r, 1, -1)
            cv2.circle(rgb, (wx, sh - r - 1), r, [int(v) for v in col], -1)
        cv2.line(mask, (r, sh - r - 1), (sw - r - 1, sh // 3), 1, max(1, sh // 8))
        cv2.line(rgb, (r, sh - r - 1), (sw - r - 1, sh // 3), [int(v) for v in col],
                 max(1, sh // 8))
    return rgb, mask > 0


def _person_sprite(style: DomainStyle, scale: float,
                   rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    sh, sw = max(6, int(0.22 * scale)), max(3, int(0.08 * scale))
    mask = np.zeros((sh, sw), np.uint8)
    r = max(1, sw // 3)
    cv2.circle(mask, (sw // 2, r), r, 1, -1)
    mask[2 * r:sh - sh // 3, :] = 1
    mask[sh - sh // 3:, :max(1, sw // 2 - 1)] = 1
    mask[sh - sh // 3:, sw // 2 + 1:] = 1
    rgb = np.zeros((sh, sw, 3), np.uint8)
    rgb[mask > 0] = _color(style, 'person', rng)
    rgb[:2 * r] = np.clip(rgb[:2 * r].astype(np.int32) + 40, 0, 255)
    return rgb, mask > 0


def _build_sprites(style: DomainStyle, content: DomainContent, h: int,
                   w: int, num_frames: int,
                   rng: np.random.Generator) -> List[Sprite]:
    _, ys0, yr0 = _rows(content, h)
    shift = (content.ground - 0.55) * h
    sprites = []
    track = 0
    n_veh = int(rng.integers(*content.vehicles))
    kinds = content.vehicle_kinds
    for _ in range(n_veh):
        cls = kinds[int(rng.integers(len(kinds)))]
        near = rng.random() < 0.5
        scale = h * (1.0 if near else 0.65) * content.object_scale
        rgb, mask = _vehicle_sprite(style, cls, scale, rng)
        bottom = int(0.95 * h) if near else int(0.78 * h + shift)
        bottom += int(rng.integers(-2, 3))
        vx = int(rng.integers(-6, 4))
        x0 = int(rng.integers(-w // 3, w)) - vx * num_frames // 2
        track += 1
        sprites.append(Sprite(rgb, mask, _CID[cls], x0, bottom - rgb.shape[0],
                              vx, 0, 100 + track, track, bottom + rng.random()))
    for _ in range(int(rng.integers(*content.persons))):
        crossing = rng.random() < 0.25
        bottom = int(rng.integers(ys0 + 2, yr0 + 1))
        rgb, mask = _person_sprite(
            style, h * (0.8 + 0.4 * rng.random()) * content.object_scale, rng)
        vx = int(rng.integers(-4, 2))
        vy = 1 if crossing else 0
        x0 = int(rng.integers(0, w)) - vx * num_frames // 2
        track += 1
        sprites.append(Sprite(rgb, mask, _CID['person'], x0, bottom - rgb.shape[0],
                              vx, vy, 100 + track, track, bottom + rng.random()))
    sprites.sort(key=lambda s: s.depth)
    return sprites


def _paste(canvas: List[np.ndarray], values: List, mask: np.ndarray, x: int,
           y: int) -> None:
    """Paste per-pixel or constant ``values`` into ``canvas`` where mask."""
    h, w = canvas[0].shape[:2]
    sh, sw = mask.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + sw, w), min(y + sh, h)
    if x0 >= x1 or y0 >= y1:
        return
    m = mask[y0 - y:y1 - y, x0 - x:x1 - x]
    for arr, val in zip(canvas, values):
        region = arr[y0:y1, x0:x1]
        if isinstance(val, np.ndarray) and val.shape[:2] == mask.shape:
            region[m] = val[y0 - y:y1 - y, x0 - x:x1 - x][m]
        else:
            region[m] = val


def _ego_mask(h: int, w: int) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h + h // 20), (int(0.45 * w), max(2, h // 9)),
                0, 180, 360, 1, -1)
    return mask > 0


def ego_vehicle_mask(height: int, width: int) -> np.ndarray:
    """H x W bool mask of the ego-vehicle hood drawn in source frames."""
    return _ego_mask(height, width)


class SceneRenderer:
    """Renders the frames of one video of ``style``.

    Args:
        style: the domain's appearance.
        num_frames, height, width: video size.
        seed: a sequence of ints seeding everything of this video.
        content: what the domain's scenes contain (default: the source's).
    """

    def __init__(self, style: DomainStyle, num_frames: int, height: int,
                 width: int, seed: Tuple[int, ...],
                 content: DomainContent = SOURCE_CONTENT):
        if height < 16 or width < 32:
            raise ValueError(f'frames must be at least 16 x 32, got '
                             f'{height} x {width}')
        self.style = style
        self.num_frames, self.h, self.w = num_frames, height, width
        self.seed = tuple(seed)
        rng = np.random.default_rng(self.seed)
        if style.random_palette:  # this video's own colour for every class
            style = replace(style, palette={
                k: tuple(int(v) for v in rng.integers(0, 256, 3))
                for k in sorted(style.palette)})
            self.style = style
        self.content = content
        ww = width + max(LAYER_SPEEDS.values()) * num_frames + 2
        self.layers = _build_layers(style, content, height, ww, rng)
        self.sprites = _build_sprites(style, content, height, width,
                                      num_frames, rng)
        self.gain = float(rng.uniform(*style.gain_range))
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        rr = ((xx - width / 2) / (width / 2))**2 + ((yy - height / 2) / (height / 2))**2
        self.light = (self.gain * (1.0 - style.vignette * rr / 2.0)).astype(np.float32)
        self.ego = _ego_mask(height, width) if style.ego_vehicle else None
        self.ego_color = _color(style, 'car', rng, jitter=0) // 2

    def _compose(self, t: int):
        h, w = self.h, self.w
        rgb = np.zeros((h, w, 3), np.uint8)
        label = np.zeros((h, w), np.uint8)
        obj = np.zeros((h, w), np.int32)
        track = np.zeros((h, w), np.int32)
        fw = np.zeros((h, w, 2), np.float32)
        for layer in self.layers:
            off = layer.speed * t
            lab = layer.label[:, off:off + w]
            m = lab != TRANSPARENT
            rgb[m] = layer.rgb[:, off:off + w][m]
            label[m] = lab[m]
            obj[m] = layer.obj_id
            fw[m] = (-layer.speed, 0.0)
        for s in self.sprites:
            _paste([rgb, label, obj, track, fw],
                   [s.rgb, s.cls, s.obj_id, s.track_id,
                    np.array([s.vx, s.vy], np.float32)],
                   s.mask, s.x + s.vx * t, s.y + s.vy * t)
        if self.ego is not None:
            rgb[self.ego] = self.ego_color
            label[self.ego] = _CID['car']
            obj[self.ego] = EGO_ID
            track[self.ego] = 0
            fw[self.ego] = 0.0
        return rgb, label, obj, track, fw

    def camera(self, clean: np.ndarray, t: int) -> np.ndarray:
        """Apply the domain's lighting, sensor noise and blur to frame t."""
        img = clean.astype(np.float32) * self.light[..., None]
        if self.style.noise > 0:
            rng = np.random.default_rng(self.seed + (t, 7))
            img += rng.normal(0.0, self.style.noise, img.shape).astype(np.float32)
        if self.style.blur > 0:
            img = cv2.GaussianBlur(img, (0, 0), self.style.blur)
        return np.clip(np.round(img), 0, 255).astype(np.uint8)

    def __iter__(self) -> Iterator[Frame]:
        for t in range(self.num_frames):
            rgb, label, obj, track, fw = self._compose(t)
            # Every pixel moves with a constant velocity v (its layer's or its
            # sprite's): the flow to t+1 is v and the flow to t-1 is -v.
            yield Frame(self.camera(rgb, t), rgb, label, obj, track, fw, -fw)


def occlusion_free(obj_t: np.ndarray, obj_s: np.ndarray,
                   flow: np.ndarray) -> np.ndarray:
    """H x W bool: pixels of frame t whose flow target in frame s is in the
    image and shows the same object (integer flows)."""
    h, w = obj_t.shape
    yy, xx = np.mgrid[0:h, 0:w]
    tx = xx + np.round(flow[..., 0]).astype(np.int64)
    ty = yy + np.round(flow[..., 1]).astype(np.int64)
    inside = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)
    same = np.zeros_like(inside)
    same[inside] = obj_s[ty[inside], tx[inside]] == obj_t[inside]
    return same
