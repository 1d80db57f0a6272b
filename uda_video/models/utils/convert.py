"""Map the Sim2Real field's DeepLab-v2 checkpoints to this project's module names.

Three source layouts (plain ``state_dict`` files, keys optionally under
``module.`` as nn.DataParallel saves them):

- ``deeplabv2``: a trained AdvEnt / DA-VSN / TPS model: ``conv1``, ``bn1``,
  ``layer1``-``layer4`` (the caffe-style ResNet-101), ``layer6.conv2d_list.{i}``
  (the classifier on stage 4) and, in multi-level models, ``layer5.conv2d_list.{i}``
  (the classifier on stage 3, 1024 input channels); in single-level models the
  stage-4 classifier is ``layer5`` (2048 input channels). DA-VSN / TPS models
  also hold ``sf_layer.weight`` (K x 2K x 1 x 1), a 1x1 conv fusing the frame's
  scores with the previous frame's warped scores.
- ``deeplabv2-imagenet``: the field's ImageNet initialisation
  (``DeepLab_resnet_pretrained_imagenet.pth``): every key under one extra
  top-level name (``Scale.``), plus a ``layer5`` classifier that the field's
  loaders skip; BN counters (``num_batches_tracked``) may be absent.
- ``torchvision``: torchvision's ResNet (``conv1`` ... ``layer4``, ``fc``).

Targets: ``backbone.*`` (the ResNet, same names below it), ``decode_head.aspp.{i}``
(stage-4 classifier), ``auxiliary_head.aspp.{i}`` (stage-3 classifier), under
``segmentor.`` when the model is a UDA wrapper. Trained models map to the whole
segmentor; the two initialisations to its backbone only (load them with
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``).

The check is strict: every target key must be produced with its exact shape and
every source key must be used (or be one of the documented drops); a mismatch
raises :class:`CheckpointMismatchError` naming the keys.
"""
import io
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from uda_video.utils.fileio import atomic_write_bytes

LAYOUTS = ('deeplabv2', 'deeplabv2-imagenet', 'torchvision')
BACKBONE_NAMES = ('conv1', 'bn1', 'layer1', 'layer2', 'layer3', 'layer4')
CLASSIFIER_NAMES = ('layer5', 'layer6')
SCORE_FUSION_KEY = 'sf_layer.weight'
_CLASSIFIER_KEY = re.compile(r'^(layer[56])\.conv2d_list\.(\d+)\.(weight|bias)$')
_MAX_LISTED = 20

StateDict = Dict[str, torch.Tensor]


class CheckpointMismatchError(ValueError):
    """A checkpoint whose keys or shapes do not match the target model."""


def _listing(title: str, items: Sequence[str]) -> str:
    shown = list(items)[:_MAX_LISTED]
    more = len(items) - len(shown)
    text = f'{title} ({len(items)}):\n  ' + '\n  '.join(shown)
    return text + (f'\n  ... and {more} more' if more > 0 else '')


def strip_module_prefix(state: StateDict) -> StateDict:
    """Drop ``module.`` when every key has it (nn.DataParallel checkpoints)."""
    if state and all(k.startswith('module.') for k in state):
        return OrderedDict((k[len('module.'):], v) for k, v in state.items())
    return OrderedDict(state)


def _top_names(state: StateDict) -> set:
    return {k.split('.', 1)[0] for k in state}


def detect_layout(state: StateDict, source: str = 'checkpoint'
                  ) -> Tuple[str, Optional[str]]:
    """The layout of a state dict (``module.`` already stripped).

    Returns:
        (layout, extra top-level prefix or None). Raises naming the
        unrecognised top-level names.
    """
    top = _top_names(state)
    field = set(BACKBONE_NAMES) | set(CLASSIFIER_NAMES) | {'sf_layer'}
    if 'fc' in top and top <= set(BACKBONE_NAMES) | {'fc'}:
        return 'torchvision', None
    if top and top <= field and 'conv1' in top:
        return 'deeplabv2', None
    if len(top) == 1:
        prefix = next(iter(top))
        inner = {k.split('.', 2)[1] for k in state if k.count('.') >= 1}
        if inner and inner <= field and 'conv1' in inner:
            return 'deeplabv2-imagenet', prefix
    raise CheckpointMismatchError(
        f'{source}: unrecognised key layout; top-level names '
        f'{sorted(top)[:_MAX_LISTED]} are none of the field\'s DeepLab-v2 '
        f'({", ".join(BACKBONE_NAMES + CLASSIFIER_NAMES)}, sf_layer), its '
        f'ImageNet initialisation (one prefix such as "Scale." above them) or '
        f'torchvision\'s ResNet (conv1 ... layer4, fc)')


def _fold_score_fusion(mapped: StateDict, heads: Sequence[str],
                       fusion: torch.Tensor) -> None:
    """Compose each head's branches with the current-frame half of ``fusion``.

    ``fusion``: K x 2K x 1 x 1; scores = A @ current + B @ warped_previous, with
    A = fusion[:, :K]. The ASPP is linear, so A moves into every branch:
    W_b <- A W_b, b_b <- A b_b. The warped-previous term is dropped.
    """
    k = fusion.shape[0]
    a = fusion[:, :k, 0, 0]
    for head in heads:
        for key in [x for x in mapped if x.startswith(head + '.aspp.')]:
            value = mapped[key]
            if key.endswith('.weight'):
                mapped[key] = torch.einsum('ij,jchw->ichw', a, value)
            else:
                mapped[key] = a @ value


def map_field_state(state: StateDict, layout: str, drop_aux: bool = False,
                    fold_score_fusion: bool = False,
                    source: str = 'checkpoint'
                    ) -> Tuple[StateDict, Dict[str, str], List[str]]:
    """Rename a field / torchvision state dict to segmentor names.

    Args:
        state: the source state dict, ``module.`` stripped.
        layout: one of :data:`LAYOUTS`.
        drop_aux: drop the stage-3 classifier of multi-level models.
        fold_score_fusion: fold a trained ``sf_layer``'s current-frame half into
            the classifiers instead of refusing it.

    Returns:
        (mapped state dict, target key -> source key, notes on what was
        dropped or filled). Raises :class:`CheckpointMismatchError` for keys no
        rule maps.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
    notes = []
    state = OrderedDict(state)
    if layout == 'deeplabv2-imagenet':
        top = _top_names(state)
        if len(top) != 1:
            raise CheckpointMismatchError(
                f'{source}: an ImageNet initialisation has every key under one '
                f'prefix (e.g. "Scale."); found top-level names {sorted(top)}')
        prefix = next(iter(top))
        state = OrderedDict((k[len(prefix) + 1:], v) for k, v in state.items())
        dropped = [k for k in state if k.split('.', 1)[0] in CLASSIFIER_NAMES]
        for k in dropped:
            del state[k]
        notes.append(f'stripped the prefix "{prefix}."')
        if dropped:
            notes.append(f'dropped the initialisation\'s classifier '
                         f'({len(dropped)} keys: {", ".join(dropped[:4])}'
                         f'{" ..." if len(dropped) > 4 else ""}), as the '
                         f'field\'s loaders do')
    elif layout == 'torchvision':
        dropped = [k for k in state if k.split('.', 1)[0] == 'fc']
        for k in dropped:
            del state[k]
        notes.append(f'dropped the ImageNet classifier ({", ".join(dropped)})')

    mapped, origin, unmapped = OrderedDict(), {}, []
    heads = {}
    if layout == 'deeplabv2':
        names = [n for n in CLASSIFIER_NAMES if any(
            k.startswith(n + '.') for k in state)]
        for name in names:
            weight = state.get(f'{name}.conv2d_list.0.weight')
            if weight is None or weight.dim() != 4:
                raise CheckpointMismatchError(
                    f'{source}: classifier {name} has no 4-d '
                    f'{name}.conv2d_list.0.weight')
            heads[name] = ('auxiliary_head' if 'layer6' in names
                           and name == 'layer5' else 'decode_head')
        aux_source = [n for n, h in heads.items() if h == 'auxiliary_head']
        if aux_source and drop_aux:
            for k in list(state):
                if k.startswith(aux_source[0] + '.'):
                    del state[k]
            del heads[aux_source[0]]
            notes.append(f'dropped the stage-3 classifier {aux_source[0]} '
                         f'(--drop-aux)')
    for key, value in state.items():
        top = key.split('.', 1)[0]
        if top in BACKBONE_NAMES:
            target = 'backbone.' + key
        elif layout == 'deeplabv2' and _CLASSIFIER_KEY.match(key):
            name, index, kind = _CLASSIFIER_KEY.match(key).groups()
            target = f'{heads[name]}.aspp.{index}.{kind}'
        elif layout == 'deeplabv2' and key == SCORE_FUSION_KEY:
            continue
        else:
            unmapped.append(key)
            continue
        mapped[target] = value
        origin[target] = key
    if unmapped:
        raise CheckpointMismatchError(
            f'{source} ({layout}): ' + _listing('keys no rule maps', unmapped))

    fusion = state.get(SCORE_FUSION_KEY) if layout == 'deeplabv2' else None
    if fusion is not None:
        k = fusion.shape[0]
        if fusion.dim() != 4 or fusion.shape[1:] != (2 * k, 1, 1):
            raise CheckpointMismatchError(
                f'{source}: {SCORE_FUSION_KEY} has shape {tuple(fusion.shape)}, '
                f'expected K x 2K x 1 x 1')
        identity = torch.cat([torch.eye(k), torch.zeros(k, k)], dim=1)
        if torch.equal(fusion[:, :, 0, 0].float(), identity):
            notes.append(f'dropped {SCORE_FUSION_KEY}: it is [I | 0] (the '
                         f'frame\'s own scores), so the model is per-frame')
        elif fold_score_fusion:
            _fold_score_fusion(mapped, sorted(set(heads.values())), fusion)
            notes.append(f'folded the current-frame half of {SCORE_FUSION_KEY} '
                         f'into the classifiers; its warped-previous-frame '
                         f'half is dropped (predictions differ from the '
                         f'source model\'s two-frame ones)')
        else:
            raise CheckpointMismatchError(
                f'{source}: {SCORE_FUSION_KEY} is a trained score fusion (not '
                f'[I | 0]): the source model fuses each frame\'s scores with '
                f'the previous frame\'s warped scores, which a per-frame model '
                f'cannot reproduce. Pass --fold-score-fusion to keep only its '
                f'current-frame half (folded into the classifiers).')
    return mapped, origin, notes


def check_state(mapped: StateDict, expected: Dict[str, torch.Size],
                origin: Dict[str, str], source: str = 'checkpoint',
                target: str = 'model') -> List[str]:
    """Strict key and shape comparison; fills absent BN counters.

    Args:
        mapped: converted state dict (modified in place: absent
            ``num_batches_tracked`` of present BN layers become 0).
        expected: target key -> shape.
        origin: target key -> source key, for the messages.

    Returns:
        Notes. Raises :class:`CheckpointMismatchError` naming every missing,
        unexpected and mis-shaped key.
    """
    notes = []
    filled = []
    for key in expected:
        if key.endswith('.num_batches_tracked') and key not in mapped:
            layer = key[:-len('num_batches_tracked')]
            if layer + 'running_mean' in mapped:
                mapped[key] = torch.tensor(0, dtype=torch.long)
                filled.append(key)
    if filled:
        notes.append(f'set {len(filled)} absent BN counters '
                     f'(num_batches_tracked, unused with a fixed momentum) to 0')
    missing = [k for k in expected if k not in mapped]
    extra = [f'{origin.get(k, k)} -> {k}' for k in mapped if k not in expected]
    shapes = [
        f'{origin.get(k, k)} -> {k}: checkpoint {tuple(v.shape)}, '
        f'model {tuple(expected[k])}'
        for k, v in mapped.items()
        if k in expected and tuple(v.shape) != tuple(expected[k])
    ]
    problems = []
    if missing:
        problems.append(_listing(f'missing in the checkpoint (in {target})',
                                 missing))
    if extra:
        problems.append(_listing(f'not in {target}', extra))
    if shapes:
        problems.append(_listing('shape mismatches', shapes))
    if problems:
        raise CheckpointMismatchError(
            f'{source} does not match {target}:\n' + '\n'.join(problems))
    return notes


def load_source_state(path: str) -> StateDict:
    """Read a plain state dict (or a dict holding one under ``state_dict``).

    Only tensors and plain containers are unpickled (``weights_only=True``).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # the restricted unpickler's many error types
        raise CheckpointMismatchError(
            f'{path}: not a plain state dict of tensors ({err}); refusing to '
            f'unpickle other objects') from err
    if isinstance(obj, dict) and isinstance(obj.get('state_dict'), dict):
        obj = obj['state_dict']
    if not isinstance(obj, dict) or not all(
            isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointMismatchError(
            f'{path}: expected a dict of tensors, got {type(obj).__name__}')
    return OrderedDict(obj)


def segmentor_prefix(model: torch.nn.Module) -> str:
    """'segmentor.' for UDA wrappers, '' for a segmentor."""
    if hasattr(model, 'backbone'):
        return ''
    if hasattr(getattr(model, 'segmentor', None), 'backbone'):
        return 'segmentor.'
    raise CheckpointMismatchError(
        f'{type(model).__name__} has neither a backbone nor a segmentor with '
        f'one; convert for an encoder-decoder config')


def expected_shapes(model: torch.nn.Module, layout: str
                    ) -> Tuple[Dict[str, torch.Size], str]:
    """Target shapes a layout must fill, and the prefix of the output keys.

    A trained model fills the whole segmentor (keys in the model's own naming,
    ``segmentor.`` under UDA wrappers); an initialisation fills the backbone
    (keys ``backbone.*``).
    """
    prefix = segmentor_prefix(model)
    segmentor = model.segmentor if prefix else model
    shapes = OrderedDict(
        (k, v.shape) for k, v in segmentor.state_dict().items())
    if layout != 'deeplabv2':
        return OrderedDict((k, s) for k, s in shapes.items()
                           if k.startswith('backbone.')), ''
    return shapes, prefix


def convert_state_dict(state: StateDict, model: torch.nn.Module,
                       layout: str = 'auto', drop_aux: bool = False,
                       fold_score_fusion: bool = False,
                       source: str = 'checkpoint'
                       ) -> Tuple[StateDict, str, List[str]]:
    """Convert ``state`` for ``model`` with the strict check.

    Returns:
        (converted state dict with output key names, the layout, notes).
    """
    state = strip_module_prefix(state)
    found, _ = detect_layout(state, source)
    if layout == 'auto':
        layout = found
    elif layout != found:
        raise CheckpointMismatchError(
            f'{source}: --layout {layout} given, but its keys have the '
            f'{found} layout')
    mapped, origin, notes = map_field_state(
        state, layout, drop_aux=drop_aux,
        fold_score_fusion=fold_score_fusion, source=source)
    expected, prefix = expected_shapes(model, layout)
    target = (f'{type(model).__name__}'
              + (' backbone' if layout != 'deeplabv2' else ''))
    try:
        notes += check_state(mapped, expected, origin, source, target)
    except CheckpointMismatchError as err:
        aux = [k for k in mapped if k.startswith('auxiliary_head.')]
        if aux and not any(k.startswith('auxiliary_head.') for k in expected):
            raise CheckpointMismatchError(
                f'{err}\nThe checkpoint has a stage-3 classifier (multi-level '
                f'model) and the model no auxiliary_head: give the model one '
                f'(aux_head of configs/_base_/models/deeplabv2-caffe_r101-d8.py)'
                f' or pass --drop-aux.') from None
        raise
    if layout == 'torchvision':
        backbone = (model.segmentor if prefix else model).backbone
        if getattr(backbone, 'style', 'pytorch') == 'caffe':
            notes.append('torchvision\'s weights were trained with the stride '
                         'on the 3x3 conv (style=\'pytorch\'); this backbone '
                         'is caffe style')
    if prefix:
        rest = sorted({k.split('.', 1)[0] for k in model.state_dict()
                       if not k.startswith(prefix)})
        if rest:
            notes.append(f'not in the field\'s checkpoint, left as built: '
                         f'{", ".join(rest)}')
    out = OrderedDict((prefix + k, mapped[k]) for k in expected)
    return out, layout, notes


def build_model_from_config(config: str,
                            cfg_options: Optional[dict] = None
                            ) -> torch.nn.Module:
    """Build (without initialising weights) the model of a config file."""
    from mmengine.config import Config

    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return MODELS.build(cfg.model)


def convert_checkpoint(src: str, dst: str, config: Optional[str] = None,
                       model: Optional[torch.nn.Module] = None,
                       layout: str = 'auto', drop_aux: bool = False,
                       fold_score_fusion: bool = False,
                       cfg_options: Optional[dict] = None) -> List[str]:
    """Convert the file ``src`` for the model of ``config`` (or ``model``).

    Writes ``{'state_dict': ..., 'meta': ...}`` to ``dst`` (mmengine's
    checkpoint format) and returns notes on what was dropped or filled.
    """
    if model is None and config is None:
        raise ValueError('convert_checkpoint needs a config or a model')
    state = load_source_state(src)
    if model is None:
        model = build_model_from_config(config, cfg_options)
    out, layout, notes = convert_state_dict(
        state, model, layout=layout, drop_aux=drop_aux,
        fold_score_fusion=fold_score_fusion, source=src)
    meta = dict(converted_from=osp.basename(src), layout=layout,
                config=str(config) if config else type(model).__name__)
    buffer = io.BytesIO()
    torch.save(dict(state_dict=out, meta=meta), buffer)
    atomic_write_bytes(buffer.getvalue(), dst)
    return [f'{layout}: {len(out)} tensors written to {dst}'] + notes
