"""One optimizer per named submodule: an OptimWrapperDict for UDA models.

mmengine's Runner builds a multi-optimizer wrapper only through a constructor;
this one reads ``optim_wrapper=dict(constructor='NamedModulesOptimWrapperConstructor',
segmentor=dict(type='OptimWrapper', optimizer=...), discriminator=dict(...))``
and builds each entry with mmengine's default constructor on
``model.<name>``. Param schedulers keyed by the same names follow
(``param_scheduler=dict(segmentor=[...], discriminator=[...])``).
"""
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from uda_video.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class NamedModulesOptimWrapperConstructor:
    """Build ``OptimWrapperDict(name=wrapper of model.<name>)``.

    Args:
        optim_wrapper_cfg: dict name -> optim wrapper config (each with its
            ``optimizer`` and optional ``paramwise_cfg``).
        paramwise_cfg: must be None (give it per entry).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None) -> None:
        if paramwise_cfg is not None:
            raise ValueError('give paramwise_cfg inside each named entry of '
                             'optim_wrapper, not at its top level')
        if not optim_wrapper_cfg:
            raise ValueError('optim_wrapper needs at least one named entry')
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ValueError(f'optim_wrapper.{name} must be an optim '
                                 f'wrapper config with an optimizer, got {cfg}')
        self.optim_wrapper_cfg = optim_wrapper_cfg

    def __call__(self, model) -> OptimWrapperDict:
        if hasattr(model, 'module'):
            model = model.module
        wrappers = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            module = getattr(model, name, None)
            if module is None:
                raise AttributeError(f'optim_wrapper.{name}: the model '
                                     f'{type(model).__name__} has no '
                                     f'submodule {name!r}')
            cfg = dict(cfg)
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(
                cfg, paramwise)(module)
        return OptimWrapperDict(**wrappers)
