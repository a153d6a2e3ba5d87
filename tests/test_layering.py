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


# --- the import graph, read from the source (imports inside functions included) --------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

PACKAGE = Path(__file__).resolve().parent.parent / "muralstudio"

#: which parts of MuralStudio each part may import (a part: a sub-package or a top module)
ALLOWED = {
    "core": set(),
    "engines": {"core"},
    "benchmarks": {"core", "engines"},
    "train": {"core", "engines", "benchmarks"},
    "ops": {"core", "engines", "train", "benchmarks"},
    "gui": {"core", "engines", "ops"},
    "selftest": {"core", "engines", "ops", "gui"},
    "cli": {"core", "engines", "ops", "train", "benchmarks", "gui", "selftest"},
    "__main__": {"cli"},
}
QT = ("PySide6", "shiboken6", "qimage2ndarray")


def part_of(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def imports_of(path: Path):
    """(imported module, line) of every import statement in the file, wherever it stands."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative imports stay inside a part
            yield None, node.lineno


def graph():
    arrows = {}
    for path in PACKAGE.rglob("*.py"):
        source = part_of(path)
        for module, line in imports_of(path):
            if module and module.split(".")[0] == "muralstudio" and len(module.split(".")) > 1:
                target = module.split(".")[1]
                if target != source:
                    arrows.setdefault((source, target), []).append(f"{path.relative_to(PACKAGE)}:{line}")
    return arrows


def test_no_import_runs_up_the_layers():
    wrong = {f"{a} → {b}": where[:3] for (a, b), where in graph().items()
             if a in ALLOWED and b in ALLOWED and b not in ALLOWED[a] and b != "__init__"}
    assert not wrong, wrong


def test_no_cycle_between_parts():
    arrows = {}
    for a, b in graph():
        arrows.setdefault(a, set()).add(b)

    def reach(start, seen):
        for nxt in arrows.get(start, ()):
            if nxt not in seen:
                seen.add(nxt)
                reach(nxt, seen)
        return seen

    cycles = sorted(a for a in arrows if a in reach(a, set()))
    assert not cycles, cycles


def test_only_the_gui_imports_qt():
    found = [f"{path.relative_to(PACKAGE)}:{line}" for path in PACKAGE.rglob("*.py")
             if part_of(path) not in ("gui",)
             for module, line in imports_of(path) if module and module.split(".")[0] in QT]
    # the self-test builds the window offscreen: it may reach Qt, only through gui and its check
    assert all(entry.startswith("selftest.py") for entry in found), found


def test_the_graph_reader_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from muralstudio.train import label\n")
    assert list(imports_of(sample)) == [("muralstudio.train", 2)]


def test_file_pipelines_live_in_ops_only():
    """The detect / label / inpaint *file* pipelines are written once, in ``ops``; the CLI, the
    window, bench/, tools/ and the batch runner call them (a second copy drifts)."""
    import re

    root = Path(__file__).resolve().parents[1]
    calls = re.compile(r"\b(detection\.detect_file|labeling\.label_file)\(")
    definitions = re.compile(r"^\s*def (inpaint_file|detect_file|label_file)\(", re.M)
    offenders = []
    for path in [*root.glob("muralstudio/**/*.py"), *root.glob("bench/*.py"), *root.glob("tools/*.py")]:
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel.startswith("muralstudio/ops/"):
            continue
        if calls.search(text):
            offenders.append(f"{rel}: calls an engine's file pipeline directly (use muralstudio.ops)")
        for match in definitions.finditer(text):
            if not rel.startswith("muralstudio/engines/"):
                offenders.append(f"{rel}: defines {match.group(1)} outside ops")
    assert offenders == []
