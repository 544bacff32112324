"""Would the Lambda python3.13 runtime load this native code? Every ELF file of a built function and its layers is
read (pyelftools), and each one that asks for more than the runtime has is named.

The runtime is Amazon Linux 2023: glibc 2.34 and GCC 11's libstdc++ (GLIBCXX_3.4.29, CXXABI_1.3.13) and libgcc_s,
in /lib64; the layers are unpacked under /opt in the order the function lists them (LD_LIBRARY_PATH has /opt/lib)
and the function's code under /var/task. A file is refused when it

- asks for a symbol version newer than the runtime's (``GLIBC_2.36``, ``GLIBCXX_3.4.30``...) or a private one;
- needs a library (DT_NEEDED) that is neither one of the runtime's (``RUNTIME_LIBRARIES``) nor found where the
  loader would look: its RPATH/RUNPATH (``$ORIGIN`` relative, as auditwheel writes them) or /opt/lib;
- is not x86-64 code (a wheel for the wrong platform).

The runtime's library list is deliberately short: glibc, libgcc_s, libstdc++ and zlib. A library outside it may
well be on the runtime image too, but a layer that counts on it is betting; bundle it or add it here with the
evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

GLIBC = (2, 34)
# Symbol version families of the runtime's libraries and the newest version each offers (GCC 11 for the C++ ones).
NEWEST_VERSION = {
    "GLIBC": GLIBC,
    "GLIBCXX": (3, 4, 29),
    "CXXABI": (1, 3, 13),
    "GCC": (7, 0, 0),
}
RUNTIME_LIBRARIES = frozenset({
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2", "libutil.so.1",
    "ld-linux-x86-64.so.2", "libgcc_s.so.1", "libstdc++.so.6", "libz.so.1",
})
_VERSION = re.compile(r"^([A-Z]+)_(\d+(?:\.\d+)*)$")
_EM_X86_64 = "EM_X86_64"


@dataclass(frozen=True)
class Refusal:
    path: str  # where the file lands on Lambda: /opt/... or /var/task/...
    reason: str


@dataclass(frozen=True)
class Tree:
    """One folder of the build as Lambda mounts it: ``mount`` is /opt for a layer, /var/task for the code."""

    root: Path
    mount: PurePosixPath


def version_too_new(name: str) -> bool:
    """``GLIBC_2.36`` is; ``GLIBC_2.17`` is not; ``GLIBC_PRIVATE`` is (internal symbols change between builds)."""
    if name.endswith("_PRIVATE"):
        return True
    match = _VERSION.match(name)
    if match is None or match.group(1) not in NEWEST_VERSION:
        return False
    version = tuple(int(part) for part in match.group(2).split("."))
    return version > NEWEST_VERSION[match.group(1)]


def is_elf(path: Path) -> bool:
    if not path.is_file() or path.is_symlink():
        return False
    with open(path, "rb") as handle:
        return handle.read(4) == b"\x7fELF"


def _dynamic(elf: ELFFile) -> tuple[list[str], list[str]]:
    needed: list[str] = []
    search: list[str] = []
    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            for tag in section.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    needed.append(tag.needed)
                elif tag.entry.d_tag == "DT_RPATH":
                    search += tag.rpath.split(":")
                elif tag.entry.d_tag == "DT_RUNPATH":
                    search += tag.runpath.split(":")
    return needed, search


def soname(path: Path) -> str:
    """The DT_SONAME of a shared library (its file name when it has none or is not one)."""
    try:
        with open(path, "rb") as handle:
            for section in ELFFile(handle).iter_sections():
                if isinstance(section, DynamicSection):
                    for tag in section.iter_tags():
                        if tag.entry.d_tag == "DT_SONAME":
                            return str(tag.soname)
    except (OSError, ELFError):
        pass
    return path.name


def _versions_needed(elf: ELFFile) -> set[str]:
    names: set[str] = set()
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for _library, versions in section.iter_versions():
                names |= {version.name for version in versions}
    return names


class Mounted:
    """The function's code and layers as one file system: a /opt or /var/task path -> the file of the build."""

    def __init__(self, trees: list[Tree]):
        self.trees = trees

    def find(self, path: PurePosixPath) -> Path | None:
        # A later layer overwrites an earlier one's file of the same path.
        for tree in reversed(self.trees):
            if path.is_relative_to(tree.mount):
                candidate = tree.root / path.relative_to(tree.mount)
                if candidate.exists():
                    return candidate
        return None

    def files(self):
        for tree in self.trees:
            for path in sorted(tree.root.rglob("*")):
                yield tree.mount / path.relative_to(tree.root), path


def _normalise(path: PurePosixPath) -> PurePosixPath:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if len(parts) > 1:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


def check_file(where: PurePosixPath, path: Path, mounted: Mounted) -> list[Refusal]:
    """What keeps the runtime from loading one ELF file (empty: nothing)."""
    try:
        with open(path, "rb") as handle:
            elf = ELFFile(handle)
            machine = elf.header["e_machine"]
            needed, search = _dynamic(elf)
            versions = _versions_needed(elf)
    except ELFError as exc:
        return [Refusal(str(where), f"unreadable ELF file: {exc}")]
    if machine != _EM_X86_64:
        return [Refusal(str(where), f"built for {machine}, not x86-64")]
    refusals = [Refusal(str(where), f"needs {name}, newer than the runtime's")
                for name in sorted(versions) if version_too_new(name)]
    dirs = [_normalise(PurePosixPath(entry.replace("$ORIGIN", str(where.parent)).replace("${ORIGIN}",
                                                                                      str(where.parent))))
            for entry in search if entry]
    dirs.append(PurePosixPath("/opt/lib"))
    for library in needed:
        if library in RUNTIME_LIBRARIES:
            continue
        if not any(mounted.find(directory / library) for directory in dirs):
            refusals.append(Refusal(str(where), f"needs {library}, which is neither in the runtime nor shipped"))
    return refusals


def check(trees: list[Tree]) -> tuple[int, list[Refusal]]:
    """(number of ELF files read, what keeps them from loading) for one function's code and layers."""
    mounted = Mounted(trees)
    count = 0
    refusals: list[Refusal] = []
    for where, path in mounted.files():
        if is_elf(path):
            count += 1
            refusals += check_file(where, path, mounted)
    return count, refusals
