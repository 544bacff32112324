"""What the common layer ships: every module of ``loanpipe`` is needed by a Lambda function, and none is a
test double. The layer build copies the whole package (layers/common/Makefile: ``cp -r loanpipe``), so a
module no function reaches would ship dead code, and a fake would ship test code."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE_DIR = ROOT / "layers" / "common" / "loanpipe"
FUNCTIONS = sorted((ROOT / "functions").glob("*/app.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _loanpipe_imports(source: Path, graph: grimp.ImportGraph) -> set[str]:
    """Modules of loanpipe a file imports anywhere (inside functions too): ``from a.b import c`` names
    ``a.b`` and, when ``c`` is a module, ``a.b.c``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "loanpipe"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "loanpipe":
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names
                      if f"{node.module}.{alias.name}" in graph.modules}
    return found


def _with_packages(modules: set[str]) -> set[str]:
    """Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` as well."""
    return {".".join(module.split(".")[:end]) for module in modules for end in range(1, module.count(".") + 2)}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports under ``if TYPE_CHECKING`` do not run in a Lambda, so they do not make a module needed.
    return grimp.build_graph("loanpipe", "loanpipe_infra", "testkit", exclude_type_checking_imports=True,
                             cache_dir=None)


def test_every_module_of_the_common_layer_is_imported_by_a_function(graph):
    # Given the modules of loanpipe each function's app.py imports (function-level imports included)
    assert len(FUNCTIONS) >= 5
    entry_points = set().union(*(_loanpipe_imports(app, graph) for app in FUNCTIONS))
    assert entry_points
    # When everything they import, directly or not, is followed
    reachable = set(entry_points)
    for module in entry_points:
        reachable |= graph.find_upstream_modules(module)
    reachable = _with_packages(reachable)
    # Then every module file of the layer's package is among them
    shipped = {_module_name(path) for path in PACKAGE_DIR.rglob("*.py")}
    assert shipped - reachable == set()


def test_no_module_of_the_common_layer_defines_a_test_double():
    # Given every class the layer's package defines
    classes = [(path.relative_to(ROOT), node.name) for path in PACKAGE_DIR.rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.ClassDef)]
    assert classes
    # Then none is an in-memory fake or a fake: those live in the testkit (testkit/testkit/fakes.py)
    assert [(str(path), name) for path, name in classes if name.startswith(("InMemory", "Fake"))] == []


@pytest.mark.parametrize("package", ["loanpipe_infra", "testkit"])
def test_the_cli_and_the_testkit_have_no_import_cycle(graph, package):
    # Given every import between two modules of the package (the CLI and the demo once imported each other)
    modules = sorted(module for module in graph.modules if module.split(".")[0] == package)
    cycles = [(module, imported) for module in modules for imported in graph.find_modules_directly_imported_by(module)
              if imported.split(".")[0] == package
              and graph.find_shortest_chain(importer=imported, imported=module) is not None]
    # Then no module imports one that imports it back
    assert cycles == []
