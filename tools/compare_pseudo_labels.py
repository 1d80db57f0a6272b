"""Temporal against single-frame pseudo labels from one checkpoint.

    python tools/compare_pseudo_labels.py CONFIG CHECKPOINT [--out JSON]
        [--weights auto|teacher|student] [--cfg-options KEY=VALUE ...]

CONFIG is a SelfTrainingUDA config with ``num_frames`` > 1; its
``pseudo_label_dataloader`` gives the target clips. The temporal labels are
the ones ``tools/gen_pseudo_labels.py`` writes (flow-warped, fused,
agreement-filtered, class-balanced over the split); the single-frame labels
are the key frame's own prediction at one confidence threshold chosen so that
their coverage equals the temporal labels' (and, for reference, with the same
class-balanced thresholds). Precision, coverage and mIoU of each against the
target ground truth of the labelled frames are printed and, with ``--out``,
written as JSON (docs/uda.md, "Pseudo-label quality").
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

from uda_video.apis.pseudo_label_quality import (compare_pseudo_labels,
                                                 format_comparison, json_safe,
                                                 load_pseudo_label_config,
                                                 load_self_training_model)
from uda_video.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='SelfTrainingUDA config')
    parser.add_argument('checkpoint', help='checkpoint to label with')
    parser.add_argument('--out', help='JSON file for the results')
    parser.add_argument(
        '--weights', choices=['auto', 'teacher', 'student'], default='auto',
        help="'auto': the EMA teacher when the checkpoint has one")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = load_pseudo_label_config(args.config, args.cfg_options)
    model, net, teacher = load_self_training_model(cfg, args.checkpoint,
                                                   args.weights)
    loader = Runner.build_dataloader(cfg.pseudo_label_dataloader)
    bar = ProgressBar(len(loader.dataset)) if sys.stdout.isatty() else None
    result = compare_pseudo_labels(
        model, net, loader,
        class_names=loader.dataset.metainfo.get('classes'),
        on_sample=bar.update if bar else None)
    result.update(config=args.config, checkpoint=args.checkpoint,
                  weights='teacher' if teacher else 'student')
    print('\n' + format_comparison(result))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as fh:
            json.dump(json_safe(result), fh, indent=2)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
