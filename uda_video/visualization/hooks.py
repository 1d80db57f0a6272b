"""Hook that logs a few colourized predictions at every evaluation."""
import mmcv
import numpy as np
from mmengine.dist import is_main_process
from mmengine.fileio import get
from mmengine.hooks import Hook

from uda_video.registry import HOOKS


@HOOKS.register_module()
class EvalVisualizationHook(Hook):
    """Log the first ``num_samples`` predictions of each validation run.

    Each panel (``[frame | ground truth | prediction]``) goes to every
    visualizer backend under ``val_prediction_{i}`` with the current
    training iteration as its step, so dashboards show how the same frames
    evolve over training. Needs ``VideoSegVisualizer`` as the visualizer and a
    ``palette`` in the validation dataset's metainfo.

    Args:
        num_samples: panels per evaluation.
        labelled_only: skip samples whose metainfo has ``is_labelled=False``.
        draw_gt: include the ground truth tile.
    """

    priority = 'LOW'

    def __init__(self, num_samples: int = 4, labelled_only: bool = True,
                 draw_gt: bool = True):
        if num_samples < 0:
            raise ValueError(f'num_samples must be >= 0, got {num_samples}')
        self.num_samples = num_samples
        self.labelled_only = labelled_only
        self.draw_gt = draw_gt
        self._count = 0

    def before_val_epoch(self, runner) -> None:
        self._count = 0
        visualizer = runner.visualizer
        if not hasattr(visualizer, 'add_prediction'):
            raise TypeError(
                f'{type(self).__name__} needs visualizer type '
                f"'VideoSegVisualizer', got {type(visualizer).__name__}")
        visualizer.dataset_meta = runner.val_dataloader.dataset.metainfo

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        if not is_main_process():  # the visualizer logs on rank 0 only
            return
        for sample in outputs or []:
            if self._count >= self.num_samples:
                return
            if self.labelled_only and not sample.metainfo.get(
                    'is_labelled', True):
                continue
            pred = sample.pred_sem_seg.data[0].cpu().numpy()
            image = mmcv.imfrombytes(get(sample.img_path),
                                     channel_order='rgb')
            if image.shape[:2] != pred.shape:
                image = mmcv.imresize(image, pred.shape[::-1])
            gt = None
            if self.draw_gt and 'gt_sem_seg' in sample:
                gt = sample.gt_sem_seg.data[0].cpu().numpy().astype(np.int64)
                if gt.shape != pred.shape:
                    gt = None
            runner.visualizer.add_prediction(
                f'val_prediction_{self._count}', image, pred, gt=gt,
                step=runner.iter)
            self._count += 1
