"""Mean teacher: an exponential moving average of a segmentor's weights.

Its weights and its update counter are module state (parameters/buffers), so
they are saved in and restored from checkpoints. Updated by
``uda_video.engine.EMATeacherHook`` after every training iteration.
"""
import copy

import torch
import torch.nn as nn

from uda_video.registry import MODELS


@MODELS.register_module()
class EMATeacher(nn.Module):
    """EMA copy of ``model``, always in eval mode, never trained by gradient.

    Args:
        model: the student module (deep-copied).
        momentum: EMA momentum m; ``w_t = a w_t + (1 - a) w_s`` with
            ``a = min(1 - 1 / (n + 1), m)`` after n updates (fast start).
    """

    def __init__(self, model: nn.Module, momentum: float = 0.999) -> None:
        super().__init__()
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}')
        self.model = copy.deepcopy(model)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.momentum = momentum
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        self.model.eval()

    def train(self, mode: bool = True) -> 'EMATeacher':
        """The teacher stays in eval mode (BN statistics are averaged too)."""
        super().train(False)
        return self

    @torch.no_grad()
    def copy_from(self, student: nn.Module) -> None:
        """Set the teacher to the student's weights (start of self-training)."""
        self.model.load_state_dict(student.state_dict())

    @torch.no_grad()
    def update(self, student: nn.Module) -> float:
        """One EMA step towards ``student``; returns the factor used."""
        n = int(self.num_updates)
        alpha = min(1.0 - 1.0 / (n + 1), self.momentum)
        s_state = student.state_dict()
        for name, t in self.model.state_dict().items():
            s = s_state[name]
            if t.dtype.is_floating_point:
                t.mul_(alpha).add_(s.detach(), alpha=1.0 - alpha)
            else:
                t.copy_(s)
        self.num_updates += 1
        return alpha

    def forward(self, *args, **kwargs):
        return self.model(*args, **kwargs)
