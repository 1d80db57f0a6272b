"""One offline round of (temporal) pseudo labels from a checkpoint.

    python tools/misc/gen_pseudo_labels.py CONFIG CHECKPOINT --out DIR
        [--weights auto|teacher|student] [--cfg-options KEY=VALUE ...]

CONFIG is a SelfTrainingUDA config; its model settings (num_frames,
keep_fraction, max_threshold, consistency, flow source) define the labels and
its ``pseudo_label_dataloader`` the target clips to label (every frame with
its neighbours, no random augmentation); it must cover every frame the
training target set (``train_dataloader.dataset.target``) uses, else the tool
stops naming a missing frame. Class-balanced thresholds are taken over the
whole split. Writes ``DIR/{video_id}/{frame_id:06d}.png`` (class ids, 255 =
ignore, at the loader's resolution) and ``DIR/statistics.json`` (thresholds,
per-class kept pixels and, over the frames that carry target ground truth,
``quality``: per-class precision, coverage and IoU, also printed); train on
them with ``model.pseudo_labels='files'`` and ``LoadPseudoLabel`` with
``pseudo_label_dir=DIR`` in the target pipeline (docs/uda.md, "Pseudo labels").
"""
import json
import os.path as osp
import sys

from mmengine.utils import ProgressBar

from uda_video.apis.pseudo_label_quality import (format_quality, json_safe,
                                                 open_pseudo_label_run,
                                                 pseudo_label_arg_parser)
from uda_video.models.uda.pseudo_label_generation import (check_coverage,
                                                          write_pseudo_labels)
from uda_video.registry import DATASETS


def parse_args(argv=None):
    parser = pseudo_label_arg_parser('Write pseudo labels')
    parser.add_argument('--out', required=True, help='output folder')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    def online_and_covering(cfg):
        cfg.model.pseudo_labels = 'online'
        # Before anything is computed: the clips to label must cover the
        # training target set.
        check_coverage(cfg, DATASETS.build(
            cfg.pseudo_label_dataloader.dataset), args.out)

    _, model, net, use_teacher, loader = open_pseudo_label_run(
        args.config, args.checkpoint, args.weights, args.cfg_options,
        before_model=online_and_covering)
    bar = ProgressBar(len(loader.dataset)) if sys.stdout.isatty() else None
    stats = dict(config=args.config, checkpoint=args.checkpoint,
                 weights='teacher' if use_teacher else 'student')
    stats.update(write_pseudo_labels(
        model, net, loader, args.out,
        class_names=loader.dataset.metainfo.get('classes'),
        on_sample=bar.update if bar else None))
    with open(osp.join(args.out, 'statistics.json'), 'w') as fh:
        json.dump(json_safe(stats), fh, indent=2)
    print(f'\nwrote {stats["frames"]} pseudo labels to {args.out} '
          f'({100 * (1 - stats["ignored_fraction"]):.1f}% labelled)')
    if stats['quality'] is not None:
        print(format_quality(
            stats['quality'], 'quality against the ground truth of '
            f'{stats["frames_with_gt"]} labelled frames (%):'))


if __name__ == '__main__':
    main()
