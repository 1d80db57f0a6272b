import pytest
from mmengine.registry import DefaultScope, init_default_scope

from uda_video import registry as reg


def test_registries_are_children_of_mmseg():
    import mmseg.registry as mreg
    pairs = [(reg.MODELS, mreg.MODELS), (reg.DATASETS, mreg.DATASETS),
             (reg.TRANSFORMS, mreg.TRANSFORMS), (reg.METRICS, mreg.METRICS),
             (reg.HOOKS, mreg.HOOKS),
             (reg.DATA_SAMPLERS, mreg.DATA_SAMPLERS),
             (reg.VISUALIZERS, mreg.VISUALIZERS),
             (reg.OPTIM_WRAPPERS, mreg.OPTIM_WRAPPERS),
             (reg.OPTIM_WRAPPER_CONSTRUCTORS, mreg.OPTIM_WRAPPER_CONSTRUCTORS),
             (reg.VISBACKENDS, mreg.VISBACKENDS)]
    for ours, theirs in pairs:
        assert ours.scope == 'uda_video'
        assert ours.parent is theirs
        assert theirs.children['uda_video'] is ours


def test_default_scope_builds_ours_and_mmseg_types():
    init_default_scope('uda_video')
    assert DefaultScope.get_current_instance().scope_name == 'uda_video'
    # Ours, found lazily through the registry's locations.
    head = reg.MODELS.build(
        dict(type='DeepLabV2Head', in_channels=8, num_classes=3))
    assert type(head).__name__ == 'DeepLabV2Head'
    # mmseg's, through the parent chain, with and without the scope prefix.
    assert type(reg.MODELS.build(dict(
        type='ResNetV1c', depth=18, base_channels=8,
        stem_channels=8))).__name__ == 'ResNetV1c'
    loss = reg.MODELS.build(dict(type='mmseg.CrossEntropyLoss'))
    assert type(loss).__name__ == 'CrossEntropyLoss'
    assert reg.TRANSFORMS.get('PackSegInputs') is not None
    assert reg.METRICS.get('IoUMetric') is not None


def test_unknown_type_names_it():
    init_default_scope('uda_video')
    with pytest.raises(KeyError, match='NoSuchHead'):
        reg.MODELS.build(dict(type='NoSuchHead'))


def test_register_all_modules_sets_scope():
    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name.startswith(
        'uda_video')
    assert 'DeepLabV2Head' in reg.MODELS.module_dict
