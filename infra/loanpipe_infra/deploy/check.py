"""Would Lambda take what `sam build` produced? `make build` runs this after the build and fails with it.

For each function: its unzipped size with its layers against the 250 MB limit, keeping ``sizes.MARGIN`` free;
every ELF file of its code and layers against the python3.13 runtime (``elf``: glibc 2.34, GCC 11's libstdc++,
the libraries the loader would find). Prints what it measured and exits 1 when a function would be refused.

`python -m loanpipe_infra.deploy.check [BUILD_DIR]` (default .aws-sam/build)
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

from loanpipe_infra.deploy import elf
from loanpipe_infra.deploy.sizes import LIMIT_BYTES, MARGIN, report
from loanpipe_infra.localcloud.cloud import project_root
from loanpipe_infra.localcloud.template import load_template

MB = 2**20


def trees(build_dir: Path, function: str, layers: list[str]) -> list[elf.Tree]:
    """The function as Lambda mounts it: its layers unpacked into /opt in order, its code in /var/task."""
    return ([elf.Tree(build_dir / layer, PurePosixPath("/opt")) for layer in layers]
            + [elf.Tree(build_dir / function, PurePosixPath("/var/task"))])


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    build_dir = Path(args[0]) if args else project_root() / ".aws-sam" / "build"
    if not build_dir.is_dir():
        print(f"no build in {build_dir}: run make build")
        return 1
    template = load_template(project_root() / "template.yaml")
    budget = LIMIT_BYTES * (1 - MARGIN)
    rows = report(build_dir, template)
    refused = False
    print(f"unzipped size with layers (Lambda refuses more than {LIMIT_BYTES / MB:.0f} MB; this build keeps "
          f"{MARGIN:.0%} free: at most {budget / MB:.0f} MB)")
    for row in rows:
        parts = " + ".join([f"code {row.code_bytes / MB:.1f}"]
                           + [f"{layer} {size / MB:.1f}" for layer, size in row.layer_bytes.items()])
        if row.total > LIMIT_BYTES:
            verdict = "REFUSED: over the 250 MB limit"
        elif row.total > budget:
            verdict = f"TOO CLOSE: less than {MARGIN:.0%} under the limit"
        else:
            verdict = f"ok, {1 - row.total / LIMIT_BYTES:.0%} free"
        refused |= row.total > budget
        print(f"  {row.name:<18} {row.total / MB:6.1f} MB  {verdict}  ({parts})")
    print(f"native code against the python3.13 runtime (glibc {elf.GLIBC[0]}.{elf.GLIBC[1]}, "
          f"GLIBCXX_{'.'.join(map(str, elf.NEWEST_VERSION['GLIBCXX']))}):")
    seen: set[tuple[str, str]] = set()
    for row in rows:
        count, refusals = elf.check(trees(build_dir, row.name, row.layers))
        fresh = [r for r in refusals if (r.path, r.reason) not in seen]
        seen |= {(r.path, r.reason) for r in refusals}
        print(f"  {row.name:<18} {count} ELF files, {len(refusals)} refused")
        for refusal in fresh[:20]:
            print(f"    {refusal.path}: {refusal.reason}")
        if len(fresh) > 20:
            print(f"    ... and {len(fresh) - 20} more")
        refused |= bool(refusals)
    if refused:
        print("NOT DEPLOYABLE as built (README, Deploying with SAM)")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
