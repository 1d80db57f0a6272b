"""Layering of the package: only uda_video.models (and the one registration
entry point) imports uda_video.models; the other folders are lower layers
that models, tools and configs build on (they reach models through the
registries)."""
import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import uda_video

PACKAGE = Path(uda_video.__file__).parent
MODELS = 'uda_video.models'
# register_all_modules imports every registering package, models included.
ENTRY_POINTS = ('uda_video/utils/set_env.py', )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def imported_modules(source: str, name: str,
                     is_pkg: bool = False) -> Iterator[Tuple[int, str]]:
    """(line, absolute module name) of every import in the source of module
    ``name``, relative imports resolved; ``from pkg import x`` yields
    ``pkg.x`` too."""
    package = name.split('.') if is_pkg else name.split('.')[:-1]
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = '.'.join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            yield node.lineno, mod
            for alias in node.names:
                yield node.lineno, f'{mod}.{alias.name}'


def model_imports_outside_models() -> List[str]:
    found = []
    for path in sorted(PACKAGE.rglob('*.py')):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith('uda_video/models/') or rel in ENTRY_POINTS:
            continue
        lines = sorted({
            line for line, mod in imported_modules(
                path.read_text(), _module_name(path),
                path.name == '__init__.py')
            if mod == MODELS or mod.startswith(MODELS + '.')})
        found += [f'{rel}:{line}' for line in lines]
    return found


def test_no_module_outside_models_imports_models():
    found = model_imports_outside_models()
    assert not found, (
        'modules outside uda_video/models import it (move the shared '
        'function to a lower layer, or build through the registry):\n' +
        '\n'.join(found))


def test_the_scan_sees_relative_and_absolute_model_imports():
    # The registration entry point does import models: the scan must see it.
    entry = PACKAGE.parent / ENTRY_POINTS[0]
    assert any(m == MODELS for _, m in imported_modules(
        entry.read_text(), _module_name(entry)))
    # Relative spellings resolve against the module's own package.
    source = ('from ..models import uda\nfrom .. import models\n'
              'from . import inference\nimport uda_video.models.flow\n')
    mods = [m for _, m in imported_modules(source, 'uda_video.apis.probe')]
    assert 'uda_video.models.uda' in mods and 'uda_video.models.flow' in mods
    assert mods.count('uda_video.models') == 2
    assert 'uda_video.apis.inference' in mods
    init = [m for _, m in imported_modules('from .models import x',
                                           'uda_video', is_pkg=True)]
    assert init == ['uda_video.models', 'uda_video.models.x']
