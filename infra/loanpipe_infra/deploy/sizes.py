"""The unzipped size of each function of a `sam build` with its layers, against Lambda's 250 MB limit for zip
packages (the function's code and every layer it lists, Globals' included, unpacked)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loanpipe_infra.localcloud.cloud import project_root
from loanpipe_infra.localcloud.template import load_template

LIMIT_BYTES = 250 * 1024 * 1024  # 262,144,000 bytes: Lambda's quota for a zip function with its layers, unzipped
MARGIN = 0.10  # what the build keeps free under the limit, so that a dependency's next release does not refuse it


@dataclass(frozen=True)
class FunctionSize:
    name: str
    code_bytes: int
    layer_bytes: dict[str, int]  # in the order Lambda unpacks them into /opt (Globals' layers first)

    @property
    def total(self) -> int:
        return self.code_bytes + sum(self.layer_bytes.values())

    @property
    def layers(self) -> list[str]:
        return list(self.layer_bytes)


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _layer_ids(value: Any) -> list[str]:
    return [item["Ref"] for item in value if isinstance(item, dict) and "Ref" in item]


def function_layers(template: dict) -> dict[str, list[str]]:
    """Each zip function of the template -> the layers it runs with, in order."""
    global_layers = _layer_ids(template.get("Globals", {}).get("Function", {}).get("Layers", []))
    return {name: global_layers + _layer_ids(resource["Properties"].get("Layers", []))
            for name, resource in template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"}


def report(build_dir: Path, template: dict | None = None) -> list[FunctionSize]:
    template = template or load_template(project_root() / "template.yaml")
    sizes = {}
    rows = []
    for name, layers in function_layers(template).items():
        for layer in layers:
            sizes.setdefault(layer, tree_size(build_dir / layer))
        rows.append(FunctionSize(name, tree_size(build_dir / name), {layer: sizes[layer] for layer in layers}))
    return rows
