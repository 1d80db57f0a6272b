"""Weights & Biases backend that logs against the training iteration."""
import os
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.visualization import WandbVisBackend

from uda_video.registry import VISBACKENDS

WANDB_MODES = ('offline', 'online', 'disabled')


def resolve_wandb_mode(mode: Optional[str]) -> str:
    """The wandb mode: ``mode`` if given, else ``$WANDB_MODE``, else offline."""
    resolved = mode if mode is not None else os.environ.get(
        'WANDB_MODE', 'offline')
    if resolved == 'dryrun':  # wandb's old name for offline
        resolved = 'offline'
    if resolved not in WANDB_MODES:
        source = 'mode' if mode is not None else 'WANDB_MODE'
        raise ValueError(f'{source}={resolved!r}: the wandb mode must be one '
                         f'of {WANDB_MODES}')
    return resolved


@VISBACKENDS.register_module()
class IterWandbVisBackend(WandbVisBackend):
    """mmengine's WandbVisBackend with the iteration as wandb's step.

    Differences from mmengine's backend:

    - scalars and images are logged with ``step`` (the training iteration the
      LoggerHook / visualization hook passes), so train losses, learning rates
      and validation metrics share one x axis;
    - offline by default: the run lives under ``save_dir/wandb`` (inside the
      work dir) and can be uploaded later with ``wandb sync``;
    - the config is stored in the run config; the source tree is not uploaded.

    Args:
        save_dir: the visualizer's directory (set by the runner).
        mode: ``'offline'`` | ``'online'`` | ``'disabled'``; None reads
            ``$WANDB_MODE`` and falls back to ``'offline'``.
        project: wandb project name.
        name: run name; None lets wandb choose.
        init_kwargs: further arguments of ``wandb.init`` (``mode``, ``dir``
            and ``project`` come from the arguments above).
        define_metric_cfg: as in mmengine's WandbVisBackend.
    """

    def __init__(self,
                 save_dir: str,
                 mode: Optional[str] = None,
                 project: str = 'uda_video',
                 name: Optional[str] = None,
                 init_kwargs: Optional[dict] = None,
                 define_metric_cfg: Union[dict, list, None] = None):
        kwargs = dict(init_kwargs or {})
        for key in ('mode', 'dir', 'project'):
            if key in kwargs:
                raise KeyError(f'init_kwargs.{key}: set it through the '
                               f'backend argument instead')
        kwargs.update(mode=resolve_wandb_mode(mode), project=project,
                      dir=save_dir)
        if name is not None:
            kwargs['name'] = name
        super().__init__(save_dir=save_dir, init_kwargs=kwargs,
                         define_metric_cfg=define_metric_cfg, commit=True)

    @property
    def mode(self) -> str:
        return self._init_kwargs['mode']

    def _init_env(self):
        import wandb
        self._init_kwargs.setdefault(
            'settings', wandb.Settings(console='off', x_disable_stats=True,
                                       save_code=False))
        super()._init_env()

    def add_config(self, config: Config, **kwargs) -> None:
        """Store the config as the run's config (no code upload)."""
        self.experiment.config.update(config.to_dict(), allow_val_change=True)

    def add_image(self, name: str, image: np.ndarray, step: int = 0,
                  **kwargs) -> None:
        """Log an RGB ``H x W x 3`` uint8 image at iteration ``step``."""
        wandb = self.experiment
        wandb.log({name: wandb.Image(image)}, step=int(step))

    def add_scalar(self, name: str,
                   value: Union[int, float, torch.Tensor, np.ndarray],
                   step: int = 0, **kwargs) -> None:
        self.add_scalars({name: value}, step=step)

    def add_scalars(self, scalar_dict: dict, step: int = 0,
                    file_path: Optional[str] = None, **kwargs) -> None:
        """Log scalars at iteration ``step`` (wandb drops decreasing steps)."""
        values = {
            k: v.item() if isinstance(v, (torch.Tensor, np.ndarray)) else v
            for k, v in scalar_dict.items()
        }
        self.experiment.log(values, step=int(step))

    def close(self) -> None:
        if hasattr(self, '_wandb'):
            self._wandb.finish()
