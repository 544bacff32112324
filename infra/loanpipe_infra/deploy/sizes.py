"""Unzipped size of each function with its layers after `sam build`, against Lambda's 250 MB limit.

`python -m loanpipe_infra.deploy.sizes [.aws-sam/build]` prints one line per function and exits 1 when one
is over the limit (a zip deployment of it would be refused by Lambda at `sam deploy`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from loanpipe_infra.localcloud.cloud import project_root
from loanpipe_infra.localcloud.template import load_template

LIMIT_BYTES = 250 * 1024 * 1024


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


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    build_dir = Path(args[0]) if args else project_root() / ".aws-sam" / "build"
    over = False
    for name, total, layers in report(build_dir):
        flag = "OVER the 250 MB zip limit" if total > LIMIT_BYTES else "ok"
        over |= total > LIMIT_BYTES
        print(f"{name:<18} {total / 2**20:7.1f} MB  ({' + '.join(['code', *layers])})  {flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
