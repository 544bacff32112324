"""Helpers of the document tests: the bad-input corpus and small rendered documents."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_CORPUS_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "bad_inputs" / "corpus.py"


def load_bad_inputs():
    name = "loanpipe_tests_bad_inputs"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _CORPUS_PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
