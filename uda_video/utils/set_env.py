"""Registration of every uda_video module (and mmseg's) in one call."""
import datetime
import warnings

from mmengine import DefaultScope

from uda_video.registry import SCOPE


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import mmseg's and uda_video's modules so their registries are filled.

    Args:
        init_default_scope (bool): Make ``uda_video`` the current default scope,
            so ``Registry.build`` resolves our types first and mmseg's next.
    """
    from mmseg.utils import register_all_modules as register_mmseg
    register_mmseg(init_default_scope=False)

    import uda_video.datasets  # noqa: F401
    import uda_video.engine  # noqa: F401
    import uda_video.evaluation  # noqa: F401
    import uda_video.models  # noqa: F401
    import uda_video.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created(SCOPE):
        DefaultScope.get_instance(SCOPE, scope_name=SCOPE)
    elif current.scope_name != SCOPE:
        new_name = f'{SCOPE}-{datetime.datetime.now()}'
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      f'not "{SCOPE}"; a new one named "{new_name}" is made.')
        DefaultScope.get_instance(new_name, scope_name=SCOPE)
