"""Loading and reporting of pseudo-label quality runs (tools/ call these).

``load_pseudo_label_config`` and ``load_self_training_model`` give the
SelfTrainingUDA model and the network that labels;
``uda_video.models.uda.compare_pseudo_labels`` scores its temporal against
its single-frame pseudo labels; ``format_quality``, ``format_comparison`` and
``json_safe`` print and save the results.
"""
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from uda_video.registry import MODELS


def load_pseudo_label_config(path: str,
                             cfg_options: Optional[dict] = None) -> Config:
    """The config ``path`` (with ``cfg_options`` merged) of a self-training
    model; it must define ``pseudo_label_dataloader`` (the target clips to
    label), else a KeyError names the file."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'pseudo_label_dataloader' not in cfg:
        raise KeyError(f'{path} has no pseudo_label_dataloader (the '
                       'target clips to label)')
    return cfg


def load_self_training_model(cfg: Config, checkpoint: str,
                             weights: str = 'auto'
                             ) -> Tuple[torch.nn.Module, torch.nn.Module,
                                        bool]:
    """Build ``cfg.model`` (a SelfTrainingUDA), load ``checkpoint``.

    Args:
        weights: 'teacher' (the EMA teacher; refused when the checkpoint has
            none), 'student', or 'auto' (the teacher when present).

    Returns:
        (model in eval mode, the network that labels, whether it is the
        teacher).
    """
    if weights not in ('auto', 'teacher', 'student'):
        raise ValueError(f"weights must be 'auto', 'teacher' or 'student', "
                         f'got {weights!r}')
    model = MODELS.build(cfg.model)
    if not isinstance(model, MODELS.get('SelfTrainingUDA')):
        raise TypeError(f'{cfg.filename}: model must be a SelfTrainingUDA, '
                        f'got {type(model).__name__}')
    ckpt = load_checkpoint(model, checkpoint, map_location='cpu',
                           logger='silent')
    has_teacher = any(k.startswith('teacher.') for k in ckpt['state_dict'])
    use_teacher = weights == 'teacher' or (weights == 'auto' and has_teacher)
    if use_teacher and not has_teacher:
        raise KeyError(f'{checkpoint} holds no EMA teacher')
    model.eval()
    net = model.teacher.model if use_teacher else model.segmentor
    return model, net, use_teacher


def _pct(value: float) -> str:
    return '   n/a' if value != value else f'{100 * value:6.2f}'


def format_quality(quality: Dict, title: str = '') -> str:
    """A printable table of a ``pseudo_label_quality`` dict (per class and
    overall, in %)."""
    names = quality.get('classes') or [
        str(i) for i in range(len(quality['class_IoU']))]
    width = max([len(n) for n in names] + [8])
    lines = [title] if title else []
    lines.append(f'{"class":<{width}}  precision  coverage     IoU')
    for i, name in enumerate(names):
        precision = _pct(quality['class_precision'][i])
        coverage = _pct(quality['class_coverage'][i])
        iou = _pct(quality['class_IoU'][i])
        lines.append(f'{name:<{width}}     {precision}    {coverage}  {iou}')
    lines.append(f'{"all":<{width}}     {_pct(quality["precision"])}    '
                 f'{_pct(quality["coverage"])}  {_pct(quality["mIoU"])}')
    return '\n'.join(lines)


def format_comparison(result: Dict) -> str:
    """The three kinds side by side: precision, coverage, mIoU (%)."""
    rows = [f'{"pseudo labels":<30} precision  coverage    mIoU']
    for k in result['thresholds']:  # the kinds, in order
        q = result[k]
        rows.append(f'{k:<30}    {_pct(q["precision"])}    '
                    f'{_pct(q["coverage"])}  {_pct(q["mIoU"])}')
    rows.append(f'temporal - single-frame precision at matched coverage: '
                f'{100 * result["precision_gain"]:+.2f} points '
                f'({result["frames_with_gt"]} frames with ground truth)')
    return '\n'.join(rows)


def json_safe(obj):
    """``obj`` with NaN / infinite floats replaced by None (valid JSON)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def pseudo_label_arg_parser(description: str):
    """The command line shared by the pseudo-label tools: CONFIG (a
    SelfTrainingUDA config), CHECKPOINT, ``--weights`` and
    ``--cfg-options``; each tool adds its outputs."""
    import argparse

    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='SelfTrainingUDA config')
    parser.add_argument('checkpoint', help='checkpoint to label with')
    parser.add_argument(
        '--weights', choices=['auto', 'teacher', 'student'], default='auto',
        help="'auto': the EMA teacher when the checkpoint has one")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser


def open_pseudo_label_run(config: str, checkpoint: str,
                          weights: str = 'auto',
                          cfg_options: Optional[dict] = None,
                          before_model: Optional[Callable] = None):
    """Everything a pseudo-label tool labels with.

    Args:
        before_model: called with the config before the model is built
            (to adapt or check it).

    Returns:
        (config, model, labelling network, whether it is the EMA teacher,
        the ``pseudo_label_dataloader``).
    """
    from mmengine.runner import Runner

    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = load_pseudo_label_config(config, cfg_options)
    if before_model is not None:
        before_model(cfg)
    model, net, use_teacher = load_self_training_model(cfg, checkpoint,
                                                       weights)
    loader = Runner.build_dataloader(cfg.pseudo_label_dataloader)
    return cfg, model, net, use_teacher, loader
