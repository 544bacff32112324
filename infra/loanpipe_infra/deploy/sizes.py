"""Checks on what `sam build` produced, before `sam deploy` finds out the hard way.

- the unzipped size of each function with its layers, against Lambda's 250 MB limit;
- the newest glibc that the native binaries of a layer need, against the Lambda runtime's (AL2023: 2.34).

`python -m loanpipe_infra.deploy.sizes [.aws-sam/build]` prints both and exits 1 when something would fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from loanpipe_infra.localcloud.cloud import project_root
from loanpipe_infra.localcloud.template import load_template

LIMIT_BYTES = 250 * 1024 * 1024
LAMBDA_GLIBC = (2, 34)


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _layer_ids(value) -> list[str]:
    return [item["Ref"] for item in value if isinstance(item, dict) and "Ref" in item]


def report(build_dir: Path) -> list[tuple[str, int, list[str]]]:
    template = load_template(project_root() / "template.yaml")
    global_layers = _layer_ids(template.get("Globals", {}).get("Function", {}).get("Layers", []))
    rows = []
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        layers = global_layers + _layer_ids(resource["Properties"].get("Layers", []))
        total = _size(build_dir / name) + sum(_size(build_dir / layer) for layer in layers)
        rows.append((name, total, layers))
    return rows


def glibc_needed(layer_dir: Path) -> tuple[int, int] | None:
    """The newest GLIBC_x.y symbol version any ELF file of the layer asks for (None: no native code)."""
    objdump = shutil.which("objdump")
    if objdump is None:
        return None
    newest = None
    for path in layer_dir.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.suffix in (".py", ".pyc", ".txt", ".json", ".onnx"):
            continue
        with open(path, "rb") as handle:
            if handle.read(4) != b"\x7fELF":
                continue
        symbols = subprocess.run([objdump, "-T", str(path)], capture_output=True, text=True, check=False).stdout
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", symbols):
            version = (int(major), int(minor))
            newest = version if newest is None or version > newest else newest
    return newest


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    build_dir = Path(args[0]) if args else project_root() / ".aws-sam" / "build"
    over = False
    for name, total, layers in report(build_dir):
        flag = "OVER the 250 MB zip limit" if total > LIMIT_BYTES else "ok"
        over |= total > LIMIT_BYTES
        print(f"{name:<18} {total / 2**20:7.1f} MB  ({' + '.join(['code', *layers])})  {flag}")
    for layer in sorted(p for p in build_dir.iterdir() if p.is_dir() and p.name.endswith("Layer")):
        needed = glibc_needed(layer)
        if needed and needed > LAMBDA_GLIBC:
            over = True
            print(f"{layer.name:<18} needs glibc {needed[0]}.{needed[1]}, Lambda has "
                  f"{LAMBDA_GLIBC[0]}.{LAMBDA_GLIBC[1]}: build it on Amazon Linux 2023")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
