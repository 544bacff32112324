"""Room sizes: no module over ``MAX_MODULE_LINES`` lines and no function over ``MAX_FUNCTION_LINES``, unless
the function says why with a ``# long: <reason>`` comment on its ``def`` line or the line above it.

Run by ``make lint`` over the code that ships or runs the product (the domain package, the handlers, the local
cloud and the CLI). Prints every offender with its size and exits 1 when there is any.

    python -m loanpipe_infra.checks.rooms layers/common/loanpipe functions infra
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
WHY_MARK = "# long:"


@dataclass(frozen=True)
class Offence:
    path: Path
    line: int
    what: str
    size: int
    limit: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} has {self.size} lines (limit {self.limit})"


def _says_why(lines: list[str], node: ast.AST) -> bool:
    first = node.lineno - 1
    if node.decorator_list:  # type: ignore[attr-defined]
        first = node.decorator_list[0].lineno - 1  # type: ignore[attr-defined]
    nearby = lines[max(0, first - 1): node.lineno]
    return any(WHY_MARK in line for line in nearby)


def offences_in(path: Path) -> list[Offence]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found: list[Offence] = []
    if len(lines) > MAX_MODULE_LINES:
        found.append(Offence(path, 1, "module", len(lines), MAX_MODULE_LINES))
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > MAX_FUNCTION_LINES and not _says_why(lines, node):
                found.append(Offence(path, node.lineno, f"function {node.name}", size, MAX_FUNCTION_LINES))
    return found


def main(argv: list[str] | None = None) -> int:
    roots = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])] or [Path(".")]
    offences = [offence for root in roots for path in sorted(root.rglob("*.py")) for offence in offences_in(path)]
    for offence in offences:
        print(offence)
    if offences:
        print(f"{len(offences)} room(s) too large: split them, or say why with '{WHY_MARK} <reason>'")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
