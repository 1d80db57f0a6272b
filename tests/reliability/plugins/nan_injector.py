"""Test-only hook: turns one parameter into NaN before a chosen iteration."""
import torch
from mmengine.hooks import Hook

from uda_video.registry import HOOKS


@HOOKS.register_module()
class InjectNaNHook(Hook):

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter == self.at_iter:
            with torch.no_grad():
                next(runner.model.parameters()).fill_(float('nan'))
