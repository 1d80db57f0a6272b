"""Child registries of mmseg's, in the ``uda_video`` scope.

Each registry names the package modules that register into it (``locations``), so a
config with ``default_scope='uda_video'`` builds our types by name without imports,
and falls back to mmseg's (and mmengine's) types through the parent chain.
"""
from mmengine.registry import Registry as MMEngineRegistry
from mmseg.registry import DATA_SAMPLERS as MMSEG_DATA_SAMPLERS
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import LOOPS as MMSEG_LOOPS
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMSEG_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import OPTIM_WRAPPERS as MMSEG_OPTIM_WRAPPERS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS
from mmseg.registry import VISBACKENDS as MMSEG_VISBACKENDS
from mmseg.registry import VISUALIZERS as MMSEG_VISUALIZERS

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

MODELS = Registry(
    'model', parent=MMSEG_MODELS, scope=SCOPE, locations=['uda_video.models'])
DATASETS = Registry(
    'dataset', parent=MMSEG_DATASETS, scope=SCOPE,
    locations=['uda_video.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMSEG_TRANSFORMS, scope=SCOPE,
    locations=['uda_video.datasets.transforms'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMSEG_DATA_SAMPLERS, scope=SCOPE,
    locations=['uda_video.datasets.samplers'])
METRICS = Registry(
    'metric', parent=MMSEG_METRICS, scope=SCOPE,
    locations=['uda_video.evaluation'])
HOOKS = Registry(
    'hook', parent=MMSEG_HOOKS, scope=SCOPE,
    locations=['uda_video.engine', 'uda_video.visualization'])
LOOPS = Registry(
    'loop', parent=MMSEG_LOOPS, scope=SCOPE, locations=['uda_video.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMSEG_OPTIM_WRAPPERS, scope=SCOPE,
    locations=['uda_video.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMSEG_OPTIM_WRAPPER_CONSTRUCTORS,
    scope=SCOPE, locations=['uda_video.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMSEG_VISUALIZERS, scope=SCOPE,
    locations=['uda_video.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMSEG_VISBACKENDS, scope=SCOPE,
    locations=['uda_video.visualization'])
