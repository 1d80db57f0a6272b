"""Temporal against single-frame pseudo labels from one checkpoint.

    python tools/analysis_tools/compare_pseudo_labels.py CONFIG CHECKPOINT [--out JSON]
        [--weights auto|teacher|student] [--cfg-options KEY=VALUE ...]

CONFIG is a SelfTrainingUDA config with ``num_frames`` > 1; its
``pseudo_label_dataloader`` gives the target clips. The temporal labels are
the ones ``tools/misc/gen_pseudo_labels.py`` writes (flow-warped, fused,
agreement-filtered, class-balanced over the split); the single-frame labels
are the key frame's own prediction at one confidence threshold chosen so that
their coverage equals the temporal labels' (and, for reference, with the same
class-balanced thresholds). Precision, coverage and mIoU of each against the
target ground truth of the labelled frames are printed and, with ``--out``,
written as JSON (docs/uda.md, "Pseudo-label quality").
"""
import json
import os
import os.path as osp
import sys

from mmengine.utils import ProgressBar

from uda_video.apis.pseudo_label_quality import (format_comparison,
                                                 json_safe,
                                                 open_pseudo_label_run,
                                                 pseudo_label_arg_parser)
from uda_video.models.uda import compare_pseudo_labels


def parse_args(argv=None):
    parser = pseudo_label_arg_parser(__doc__.split('\n')[0])
    parser.add_argument('--out', help='JSON file for the results')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    _, model, net, teacher, loader = open_pseudo_label_run(
        args.config, args.checkpoint, args.weights, args.cfg_options)
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
