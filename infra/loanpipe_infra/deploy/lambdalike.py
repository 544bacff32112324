"""A built function run the way Lambda runs it, as near as a machine without Docker gets: the smoke test
(tests/smoke) and the cold-start benchmark (benchmarks/cold_start.py) use it.

- the interpreter is a CPython 3.13 with only boto3 beside it (``make`` makes it: .tools/lambda-python3.13), so a
  wheel built for another Python, or a package the layers forgot, fails to import;
- the function's layers are unpacked, in the template's order, into an /opt of its own (hard links into
  .aws-sam/lambda/<function>/opt), its code is the task root and the working directory;
- the environment is the function's from template.yaml (references become placeholder names, /opt paths point into
  that /opt) with PATH, LD_LIBRARY_PATH and PYTHONPATH as Lambda sets them, and nothing of this machine's: no
  /usr/bin on PATH (where Debian's tesseract is), no virtual environment, no user site-packages.

What it cannot hide is this machine's /usr/lib: the probe lists every shared library the process mapped, and the
caller fails on one that came from the machine and is not the runtime's (``elf.RUNTIME_LIBRARIES``) or the
interpreter's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loanpipe_infra.deploy.elf import RUNTIME_LIBRARIES, soname
from loanpipe_infra.deploy.sizes import function_layers

PROBE = Path(__file__).with_name("probe.py")
# Libraries a package loads with dlopen when the machine has them and does without otherwise: mapped here, absent
# on Lambda, and no failure there. By soname, with what does without them.
OPTIONAL_LIBRARIES = {
    "libfribidi.so.0": "Pillow's ImageFont (complex text layout through libraqm; else Pillow's basic layout)",
}
LAMBDA_ENV = {
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "smoke",  # never used: the probe calls no AWS API
    "AWS_SECRET_ACCESS_KEY": "smoke",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
}


@dataclass(frozen=True)
class LambdaLike:
    """One built function, ready to run: ``opt`` its layers, ``task`` its code, ``env`` its environment."""

    function: str
    python: Path
    opt: Path
    task: Path
    env: dict[str, str]

    def probe(self, request: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
        """Run the probe (``probe.py``: import the handler, then what ``request`` asks) in a fresh process."""
        request_file = self.opt.parent / "probe-request.json"
        request_file.write_text(json.dumps(request), encoding="utf-8")
        result = subprocess.run([str(self.python), "-s", "-c", PROBE.read_text(encoding="utf-8"), str(request_file)],
                                cwd=self.task, env=self.env, capture_output=True, text=True, timeout=timeout,
                                check=False)
        if result.returncode != 0:
            raise ProbeFailed(self.function, result.stderr[-4000:] or result.stdout[-4000:])
        return json.loads(result.stdout.strip().splitlines()[-1])

    def foreign_libraries(self, answer: dict[str, Any], baseline: set[str]) -> list[str]:
        """Shared libraries the probe mapped from this machine that Lambda's runtime would not have: not under the
        function's /opt or code, not the interpreter's own, not one the bare interpreter maps (``baseline``), not
        one of the runtime's system libraries (by soname), not one that is only used when present."""
        ours = (str(self.opt.resolve()), str(self.task.resolve()), *answer["prefixes"])
        return sorted(path for path in answer["libraries"]
                      if not path.startswith(ours) and path not in baseline
                      and not Path(path).name.startswith("libnss_")  # glibc's name services, the runtime's own
                      and soname(Path(path)) not in RUNTIME_LIBRARIES | set(OPTIONAL_LIBRARIES))


class ProbeFailed(AssertionError):
    def __init__(self, function: str, output: str):
        super().__init__(f"{function} does not run as on Lambda:\n{output}")


def _link_tree(source: Path, target: Path) -> None:
    """``source`` into ``target`` as hard links (a copy across file systems); a later layer's file wins."""
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir() and not path.is_symlink():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.exists() or destination.is_symlink():
            destination.unlink()
        if path.is_symlink():
            destination.symlink_to(os.readlink(path))
            continue
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)


def _placeholder(value: Any, opt: Path, template: dict, parameters: dict[str, str]) -> Any:
    """A template value as the function would see it: a string with /opt moved, a parameter's value (``parameters``
    or its default), a condition's branch, another resource's reference as a made-up name."""
    if isinstance(value, str):
        return value.replace("/opt/", f"{opt}/")
    if not isinstance(value, dict) or len(value) != 1:
        return "smoke"
    (function, argument), = value.items()
    declared = template.get("Parameters", {})
    if function == "Ref" and argument in declared:
        return parameters.get(argument, str(declared[argument].get("Default", "")))
    if function == "Ref":
        return f"smoke-{argument}"
    if function == "Fn::GetAtt":
        return f"smoke-{'-'.join(argument)}"
    if function == "Fn::Equals":
        return _placeholder(argument[0], opt, template, parameters) == _placeholder(argument[1], opt, template,
                                                                                    parameters)
    if function == "Fn::If":
        condition = _placeholder(template["Conditions"][argument[0]], opt, template, parameters)
        return _placeholder(argument[1] if condition else argument[2], opt, template, parameters)
    return "smoke"


def prepare(function: str, template: dict, build_dir: Path, python: Path, root: Path,
            parameters: dict[str, str] | None = None) -> LambdaLike:
    """Lay out ``function`` of the build under ``root`` (.aws-sam/lambda) and return it ready to probe, with the
    template's ``parameters`` (e.g. {"Tracing": "Active"}; default: the template's defaults)."""
    layers = function_layers(template)[function]
    python = Path(python).absolute()  # not resolve(): the venv's python is a link to the interpreter it wraps
    home = Path(root).absolute() / function
    if home.exists():
        shutil.rmtree(home)
    opt = home / "opt"
    opt.mkdir(parents=True)
    for layer in layers:
        _link_tree(build_dir / layer, opt)
    task = Path(build_dir).absolute() / function
    properties = template["Resources"][function]["Properties"]
    variables = {**template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}),
                 **properties.get("Environment", {}).get("Variables", {})}
    memory = properties.get("MemorySize", template.get("Globals", {}).get("Function", {}).get("MemorySize", 128))
    env = {name: str(_placeholder(value, opt, template, parameters or {})) for name, value in variables.items()}
    env.update(LAMBDA_ENV)
    env.update({
        "AWS_LAMBDA_FUNCTION_NAME": f"loanpipe-smoke-{function}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": str(task),
        "HOME": str(home),
        "PATH": f"{Path(python).parent}:{opt}/bin",
        "LD_LIBRARY_PATH": f"{opt}/lib",
        "PYTHONPATH": f"{task}:{opt}/python/lib/python3.13/site-packages:{opt}/python",
        "TMPDIR": str(home / "tmp"),
        # /opt and /var/task are read-only on Lambda: no bytecode is written there, every start reads what the
        # build compiled (or compiles in memory what it did not).
        "PYTHONDONTWRITEBYTECODE": "1",
        # Tracing: Active in the template: Lambda sets the daemon's address; nothing is sent while importing.
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
    })
    (home / "tmp").mkdir()
    return LambdaLike(function=function, python=Path(python), opt=opt, task=task, env=env)
