"""What a function loads when its execution environment starts: not the PDF signing stack. pyHanko (with lxml,
aiohttp, cryptography) ships in the common layer for the contract seal and is imported only when a contract is
sealed or verified, so no function, the contract function included, pays for it at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from backbone.test_what_ships import FUNCTIONS

SEAL_STACK = {"pyhanko", "pyhanko_certvalidator", "lxml", "aiohttp", "asn1crypto"}


@pytest.mark.parametrize("app", FUNCTIONS, ids=[app.parent.name for app in FUNCTIONS])
def test_no_function_loads_the_signing_stack_when_it_starts(app):
    # Given the function's handler module imported as Lambda imports it (its folder on the path, no event yet)
    probe = "import sys, json, app; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "eu-west-1"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=app.parent, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    # Then none of the seal's packages is among the modules loaded
    assert "loanpipe" in loaded
    assert loaded & SEAL_STACK == set()
