"""core and engines must import without Qt (and core without torch)."""

import subprocess
import sys

BLOCK_QT = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in {blocked}:
            raise ImportError(name + ' is made unavailable for this test')
sys.meta_path.insert(0, Block())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_core_and_engines_import_without_pyside6():
    code = BLOCK_QT.format(blocked={"PySide6", "shiboken6", "qimage2ndarray"}) + """
import pkgutil, importlib
import muralstudio.core, muralstudio.engines, muralstudio.cli
for pkg in (muralstudio.core, muralstudio.engines):
    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(pkg.__name__ + '.' + mod.name)
print('ok')
try:
    import PySide6
except ImportError:
    print('blocked')
"""
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "blocked"]


def test_core_imports_without_torch():
    code = BLOCK_QT.format(blocked={"torch", "PySide6"}) + """
import pkgutil, importlib, muralstudio.core
for mod in pkgutil.iter_modules(muralstudio.core.__path__):
    importlib.import_module('muralstudio.core.' + mod.name)
print('ok')
"""
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_listing_engines_does_not_import_torch():
    """The window lists every engine at start-up; torch (about a second to import) loads only
    when a network engine is created."""
    code = """
import sys
from muralstudio.engines import registry
names = registry.available('detector') + registry.available('segmenter')
print('resunet' in names and 'clicknet' in names, 'torch' in sys.modules)
from muralstudio.engines import detection
try:
    detection.create('resunet')
except Exception:
    pass
print('torch' in sys.modules)
"""
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "True"]
