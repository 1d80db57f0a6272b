"""A segmentation visualizer that logs colourized prediction panels."""
from typing import Optional

import numpy as np
from mmseg.visualization import SegLocalVisualizer

from uda_video.registry import VISUALIZERS

from .colorize import prediction_panel


@VISUALIZERS.register_module()
class VideoSegVisualizer(SegLocalVisualizer):
    """mmseg's SegLocalVisualizer plus :meth:`add_prediction`.

    ``add_prediction`` sends ``[frame | ground truth | prediction]`` panels,
    painted with the palette of ``dataset_meta``, to every backend (local
    PNG, tensorboard, wandb) at a given iteration.
    """

    def add_prediction(self, name: str, image: np.ndarray, pred: np.ndarray,
                       gt: Optional[np.ndarray] = None, step: int = 0) -> None:
        """Log one colourized panel.

        Args:
            name: image tag (no '/': the local backend uses it in a file name).
            image: ``H x W x 3`` uint8 RGB frame.
            pred: ``H x W`` predicted class ids.
            gt: optional ``H x W`` ground-truth ids (255 = ignore).
            step: the training iteration.
        """
        palette = (self.dataset_meta or {}).get('palette')
        if not palette:
            raise KeyError(f'{type(self).__name__}.dataset_meta has no '
                           "'palette'; set it from the dataset's metainfo")
        self.add_image(name, prediction_panel(image, pred, palette, gt),
                       step=step)
