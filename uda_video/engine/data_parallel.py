"""Data-parallel training of models that own their ``train_step``."""
from typing import Dict, Union

import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.optim import OptimWrapper, OptimWrapperDict
# mmengine's Runner looks model wrappers up by name in the root registry (its
# ``get`` searches parents, never children), so this one registers there.
from mmengine.registry import MODEL_WRAPPERS


def _wrappers(optim_wrapper: Union[OptimWrapper, OptimWrapperDict]):
    if isinstance(optim_wrapper, OptimWrapperDict):
        return list(optim_wrapper.values())
    return [optim_wrapper]


def all_reduce_mean_grads(params) -> None:
    """Average the gradients of ``params`` over the ranks, in place.

    Every rank passes the same parameters in the same order; a parameter
    without a gradient on this rank takes part as zeros (and keeps ``None``
    where every rank had none), so ranks never wait on each other's layout.
    """
    params = [p for p in params if p.requires_grad]
    if not params:
        return
    world = dist.get_world_size()
    has = torch.tensor([float(p.grad is not None) for p in params],
                       device=params[0].device)
    grads = [p.grad if p.grad is not None else torch.zeros_like(p)
             for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads] + [has])
    dist.all_reduce(flat)
    flat.div_(world)
    has = flat[-len(params):] > 0
    offset = 0
    for p, g, h in zip(params, grads, has.tolist()):
        n = g.numel()
        if h:
            p.grad = flat[offset:offset + n].view_as(p).clone()
        offset += n


@MODEL_WRAPPERS.register_module()
class TrainStepDataParallel(nn.Module):
    """Data parallelism for a model whose ``train_step`` runs its own losses
    and optimizers (UDA models: several optim wrappers, sub-modules called
    through methods other than ``forward``).

    mmengine's ``MMDistributedDataParallel.train_step`` replaces the model's
    own ``train_step`` with one forward in 'loss' mode and one optimizer, and
    DDP synchronises gradients only through ``forward``. This wrapper calls
    the model's ``train_step`` and, right before every optimizer step of any
    of its optim wrappers, averages that optimizer's gradients over the ranks
    (one all-reduce per step). At construction, and before each training step
    when ``broadcast_buffers`` (as DDP does), rank 0's parameters / buffers
    are copied to every rank. Evaluation calls go straight to the model.
    """

    def __init__(self, module: nn.Module, broadcast_buffers: bool = True,
                 **kwargs) -> None:
        super().__init__()
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError('TrainStepDataParallel needs an initialised '
                               'torch.distributed process group')
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self._hooked = set()
        with torch.no_grad():
            for t in list(module.parameters()) + list(module.buffers()):
                dist.broadcast(t.data, src=0)

    def _sync_before_step(self, optimizer, args, kwargs) -> None:
        all_reduce_mean_grads(p for g in optimizer.param_groups
                              for p in g['params'])

    def train_step(self, data, optim_wrapper) -> Dict[str, torch.Tensor]:
        for wrapper in _wrappers(optim_wrapper):
            if id(wrapper.optimizer) not in self._hooked:
                wrapper.optimizer.register_step_pre_hook(
                    self._sync_before_step)
                self._hooked.add(id(wrapper.optimizer))
        if self.broadcast_buffers:
            with torch.no_grad():
                for b in self.module.buffers():
                    dist.broadcast(b.data, src=0)
        return self.module.train_step(data, optim_wrapper)

    def val_step(self, data):
        return self.module.val_step(data)

    def test_step(self, data):
        return self.module.test_step(data)
