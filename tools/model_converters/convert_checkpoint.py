"""Convert the field's DeepLab-v2 checkpoints (and torchvision's ResNet) for a config.

    python tools/model_converters/convert_checkpoint.py SRC DST [--config CONFIG]
        [--layout {auto,deeplabv2,deeplabv2-imagenet,torchvision}]
        [--drop-aux] [--fold-score-fusion] [--cfg-options k=v ...]

SRC: a trained AdvEnt / DA-VSN / TPS model (keys with or without ``module.``),
the ImageNet initialisation DeepLab_resnet_pretrained_imagenet.pth, or a
torchvision ResNet state dict. The keys are renamed to the modules of the model
that CONFIG builds and checked strictly (every key present, every shape equal);
a mismatch stops the tool naming the keys. Trained models become a whole
segmentor checkpoint (for tools/test.py or load_from); initialisations a
``backbone.*`` file for ``init_cfg=dict(type='Pretrained', checkpoint=DST,
prefix='backbone.')``.
"""
import argparse
import sys

from mmengine.config import DictAction

from uda_video.models.utils.convert import (LAYOUTS, CheckpointMismatchError,
                                            convert_checkpoint)

DEFAULT_CONFIG = 'configs/_base_/models/deeplabv2-caffe_r101-d8.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert the field\'s DeepLab-v2 / torchvision ResNet '
        'checkpoints to this project\'s module names (strict check)')
    parser.add_argument('src', help='source checkpoint (.pth)')
    parser.add_argument('dst', help='converted checkpoint to write')
    parser.add_argument(
        '--config', default=DEFAULT_CONFIG,
        help='config of the model the checkpoint is for (default: %(default)s)')
    parser.add_argument('--layout', default='auto',
                        choices=('auto', ) + LAYOUTS,
                        help='source key layout (default: detected)')
    parser.add_argument('--drop-aux', action='store_true',
                        help='drop the stage-3 classifier of a multi-level '
                        'model when the config has no auxiliary_head')
    parser.add_argument('--fold-score-fusion', action='store_true',
                        help='fold a trained sf_layer\'s current-frame half '
                        'into the classifiers (drops its previous-frame half)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. '
                        'model.decode_head.num_classes=15')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        notes = convert_checkpoint(
            args.src, args.dst, config=args.config, layout=args.layout,
            drop_aux=args.drop_aux, fold_score_fusion=args.fold_score_fusion,
            cfg_options=args.cfg_options)
    except (CheckpointMismatchError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    for line in notes:
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
