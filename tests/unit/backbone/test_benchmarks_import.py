"""Every benchmark still imports against the code as it is (a moved helper broke one once): `make bench` must not
fail on a name the product renamed. Modules that need the `[bench-libs]` extra (installed by
`make bench-libraries` only) may fail on those libraries, and on nothing else."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BENCH_LIBS = {spec.split("==")[0].lower().replace("-", "_")
              for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
              ["bench-libs"]}
MODULES = sorted(".".join(path.relative_to(ROOT).with_suffix("").parts)
                 for path in (ROOT / "benchmarks").rglob("*.py") if path.name != "__init__.py")


@pytest.mark.parametrize("module", MODULES)
def test_the_benchmark_imports(module, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))  # benchmarks run as `python -m benchmarks.X` from the root
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        assert (exc.name or "").split(".")[0].lower() in BENCH_LIBS, f"{module}: {exc}"
