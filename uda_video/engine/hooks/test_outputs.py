"""Hooks that write a test run's predictions (``tools/test.py --out``,
``--color-out`` and ``--format-vps``)."""
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from PIL import Image

from uda_video.evaluation.vps_submission import VPSSubmissionWriter
from uda_video.registry import HOOKS
from uda_video.visualization.colorize import colorize_labels


@HOOKS.register_module()
class PredictionWriterHook(Hook):
    """Save ``pred_sem_seg`` of every test sample as PNG, named by img_path
    (``<image name without extension>.png``).

    Args:
        out_dir: label maps (H x W uint8 class ids).
        color_dir: colourized maps (H x W x 3 RGB with the test dataset's
            metainfo ``palette``; ids outside the palette black).
    """

    priority = 'LOW'

    def __init__(self, out_dir: Optional[str] = None,
                 color_dir: Optional[str] = None) -> None:
        self.out_dir, self.color_dir = out_dir, color_dir
        for d in (out_dir, color_dir):
            if d:
                os.makedirs(d, exist_ok=True)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        palette = runner.test_dataloader.dataset.metainfo.get('palette')
        if self.color_dir and not palette:
            raise KeyError('--color-out needs a palette in the test '
                           "dataset's metainfo")
        for sample in outputs:
            name = osp.splitext(osp.basename(sample.img_path))[0] + '.png'
            label = sample.pred_sem_seg.data[0].cpu().numpy().astype('uint8')
            if self.out_dir:
                Image.fromarray(label).save(osp.join(self.out_dir, name))
            if self.color_dir:
                Image.fromarray(colorize_labels(label, palette)).save(
                    osp.join(self.color_dir, name))


@HOOKS.register_module()
class VPSSubmissionHook(Hook):
    """Write the test predictions as a Cityscapes-VPS submission
    (``out_dir/pred.json``, ``out_dir/pan_pred/``) with the instances of the
    ``VPQMetric`` among ``evaluators`` (evaluator configs); one process only.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, evaluators: Sequence[dict]) -> None:
        self.out_dir = out_dir
        self.evaluators = (list(evaluators)
                           if isinstance(evaluators, (list, tuple))
                           else [evaluators])
        self.writer = None

    def before_test(self, runner) -> None:
        if get_world_size() > 1:
            raise RuntimeError('--format-vps writes one submission from one '
                               'process; run the test without a launcher')
        self.writer = VPSSubmissionWriter.from_dataset(
            self.out_dir, runner.test_dataloader.dataset, self.evaluators)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        for sample in outputs:
            self.writer.add(sample)

    def after_test_epoch(self, runner, metrics=None) -> None:
        path = self.writer.close()
        runner.logger.info(f'Cityscapes-VPS submission written to {path}')
