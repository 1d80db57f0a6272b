"""Child registries of mmseg's, in the ``uda_video`` scope.

Each registry names the package modules that register into it (``locations``), so a
config with ``default_scope='uda_video'`` builds our types by name without imports,
and falls back to mmseg's (and mmengine's) types through the parent chain.
"""
from typing import List

from mmengine.registry import Registry as MMEngineRegistry
from mmseg import registry as mmseg_registry

SCOPE = 'uda_video'


class Registry(MMEngineRegistry):
    """A child registry that also imports its parents' ``locations``.

    mmengine's ``Registry.get`` looks a name up in the parents' module dicts
    without importing the parents' locations, so an mmseg type that nothing
    imported yet would not be found from the ``uda_video`` scope.
    """

    def import_from_location(self) -> None:
        super().import_from_location()
        if self.parent is not None:
            self.parent.import_from_location()


def _child(name: str, locations: List[str]) -> Registry:
    """The ``uda_video`` child of mmseg's registry ``name`` (e.g. 'MODELS'),
    importing ``locations`` to find its types."""
    parent = getattr(mmseg_registry, name)
    return Registry(
        parent.name, parent=parent, scope=SCOPE, locations=locations)


MODELS = _child('MODELS', ['uda_video.models'])
DATASETS = _child('DATASETS', ['uda_video.datasets'])
TRANSFORMS = _child('TRANSFORMS', ['uda_video.datasets.transforms'])
DATA_SAMPLERS = _child('DATA_SAMPLERS', ['uda_video.datasets.samplers'])
METRICS = _child('METRICS', ['uda_video.evaluation'])
HOOKS = _child('HOOKS', ['uda_video.engine', 'uda_video.visualization'])
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS', ['uda_video.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS',
                                    ['uda_video.engine'])
VISUALIZERS = _child('VISUALIZERS', ['uda_video.visualization'])
VISBACKENDS = _child('VISBACKENDS', ['uda_video.visualization'])
