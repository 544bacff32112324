"""Decision benchmark: safety, straight-through rate and per-defect detection on synthetic applications.

Builds applications with testkit.scenarios (the same builder as the unit scenario table): clean
applications of the "typical" profile (anywhere within policy, affordable) and every planted defect,
runs validate + decide under the shipped default policy and writes benchmarks/decision-report.md:
- unsafe auto-approvals: applications carrying a defect that were approved (target 0);
- straight-through rate of clean, affordable applications (target >= 90%);
- per defect: share of the applications carrying it whose decision names its reason code (target >= 95%)
  and share with the expected decision;
- image forensics (documents.forensics.image_evidence): time per file and perceptual-hash distances
  between the same picture re-compressed/resized, different photographs, and flat renders of one template.

    python -m benchmarks.decision [--clean N] [--per-defect K] [--report PATH]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from loanpipe.decision.decide import decide
from loanpipe.decision.models import Outcome
from loanpipe.extraction.forensics import image_evidence
from loanpipe.policy.model import default_policy
from loanpipe.validation.ports import hamming
from loanpipe.validation.validate import validate
from testkit.scenarios import DEFECTS, Defect, build_scenario

SAFE_DEFECTS = {"clean", "replay_past_capture"}  # no defect planted: approval is the right outcome
CLEAN_TYPICAL = Defect("clean_typical", frozenset(), Outcome.APPROVE,
                       "no defect, anywhere within policy and affordable", DEFECTS["clean"].plant, profile="typical")


def run(clean: int, per_defect: int) -> dict:
    policy = default_policy()
    rows = []
    timings = []
    plan = [(CLEAN_TYPICAL, seed) for seed in range(clean)]
    plan += [(defect, seed) for defect in DEFECTS.values() for seed in range(per_defect)]
    for defect, seed in plan:
        scenario = build_scenario(defect, seed, max_distance=policy.fraud.duplicate_max_distance)
        started = time.perf_counter()
        report = validate(scenario.case, policy, scenario.ports)
        decision = decide(scenario.case, report, policy)
        timings.append(time.perf_counter() - started)
        rows.append((defect, seed, decision))
    return {"policy": policy, "rows": rows, "timings": timings}


def render(result: dict) -> tuple[str, bool]:
    policy, rows, timings = result["policy"], result["rows"], result["timings"]
    clean_rows = [decision for defect, _, decision in rows if defect is CLEAN_TYPICAL]
    approved_clean = sum(1 for d in clean_rows if d.decision is Outcome.APPROVE)
    clean_rate = approved_clean / len(clean_rows) if clean_rows else 0.0
    clean_reasons = Counter(code for d in clean_rows if d.decision is not Outcome.APPROVE for code in d.reason_codes)
    unsafe = [(defect.name, seed) for defect, seed, d in rows
              if defect.name not in SAFE_DEFECTS and defect is not CLEAN_TYPICAL and d.decision is Outcome.APPROVE]
    lines = [
        "# Decision benchmark",
        "",
        f"Policy `{policy.version}`, {len(rows)} synthetic applications built by `testkit.scenarios`, "
        "judged by `validate` + `decide`. Regenerate: `python -m benchmarks.decision` (from the repository root).",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| unsafe auto-approvals (a defect planted, approved) | {len(unsafe)} | 0 |",
        f"| clean, affordable applications approved straight through | {approved_clean}/{len(clean_rows)} "
        f"= {clean_rate:.1%} | >= 90% |",
        f"| validate + decide per application (median, max) | {statistics.median(timings) * 1000:.2f} ms, "
        f"{max(timings) * 1000:.2f} ms | - |",
        "",
    ]
    if clean_reasons:
        lines.append("Clean applications not approved went to review for: "
                     + ", ".join(f"`{code}` x{count}" for code, count in clean_reasons.most_common()) + ".")
        lines.append("")
    lines += [
        "## Per defect",
        "",
        "Detected: the decision names the defect's reason code. Decision: the expected outcome was reached.",
        "",
        "| defect | reason code | expected | applications | detected | decision as expected |",
        "|---|---|---|---|---|---|",
    ]
    failures = []
    by_defect: dict[str, list] = {}
    for defect, seed, decision in rows:
        if defect is not CLEAN_TYPICAL:
            by_defect.setdefault(defect.name, []).append((defect, seed, decision))
    for name, items in by_defect.items():
        defect = items[0][0]
        detected = sum(1 for _, _, d in items if defect.codes <= set(d.reason_codes))
        as_expected = sum(1 for _, _, d in items if d.decision is defect.decision)
        rate = detected / len(items)
        if defect.codes and rate < 0.95:
            failures.append(name)
        codes = ", ".join(f"`{c}`" for c in sorted(defect.codes)) or "(none)"
        lines.append(f"| {name} | {codes} | {defect.decision.value} | {len(items)} | "
                     f"{detected / len(items):.0%} | {as_expected / len(items):.0%} |")
    ok = not unsafe and clean_rate >= 0.90 and not failures
    lines += [
        "",
        f"**{'All targets met' if ok else 'Targets missed'}**"
        + (f": unsafe {unsafe[:5]}" if unsafe else "")
        + (f"; detection below 95% for {', '.join(failures)}" if failures else ""),
        "",
    ]
    return "\n".join(lines), ok


def _photo(seed: int, size=(4000, 3000)) -> Image.Image:
    """Photo-like: lit background, a tilted sheet with lines of 'text'."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(60, 160) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x - 700, y - 500, x + 700, y + 500), fill=tuple(rng.randrange(40, 200) for _ in range(3)))
    paper = Image.new("RGB", (rng.randrange(1800, 2400), rng.randrange(2000, 2600)), (245, 244, 238))
    ink = ImageDraw.Draw(paper)
    for line in range(rng.randrange(10, 30)):
        ink.rectangle((150, 200 + line * 70, 150 + rng.randrange(400, 1600), 230 + line * 70), fill=(30, 30, 30))
    paper = paper.rotate(rng.randrange(-12, 12), expand=True, fillcolor=(0, 0, 0))
    mask = paper.convert("L").point(lambda v: 255 if v else 0)
    image.paste(paper, (rng.randrange(0, 1200), rng.randrange(0, 400)), mask)
    return image


def _template_render(seed: int) -> Image.Image:
    """A flat render of one certificate template (no photo: same canvas, only the text differs)."""
    rng = random.Random(seed)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 44)
    except OSError:
        font = ImageFont.load_default()
    image = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(image)
    draw.text((640, 150), "收入证明", font=font, fill="black")
    name = rng.choice("王李张刘陈") + rng.choice("伟芳娜敏静丽强")
    lines = [f"兹证明 {name} 同志，身份证号码 {rng.randrange(10**17, 10**18)}，",
             f"系我单位 {rng.choice(['杭州云帆科技有限公司', '成都天府物流有限公司'])} 正式员工，",
             f"月收入人民币 {rng.randrange(5000, 30000)}.00 元。特此证明。",
             f"开具日期：2026年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日"]
    for index, line in enumerate(lines):
        draw.text((150, 400 + index * 110), line, font=font, fill="black")
    draw.ellipse((1000, 1500, 1400, 1900), outline="red", width=10)
    return image


def _encode(image: Image.Image, kind: str, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **({"quality": quality} if kind == "JPEG" else {}))
    return out.getvalue()


def _pdf_page() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    for row in range(40):
        line = f"2026-0{row % 9 + 1}-1{row % 9}  POS  -{row * 37 % 900}.00  12{row:03d}.45"
        page.drawString(60, 780 - row * 18, line)
    page.save()
    return out.getvalue()


def forensics() -> list[str]:
    def timed(data: bytes, kind: str, repeat: int = 10) -> tuple[float, float]:
        image_evidence(data, kind)  # warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            image_evidence(data, kind)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000, max(times) * 1000

    photo = _photo(1)
    noise = Image.effect_noise((4000, 3000), 60).convert("RGB")
    files = [
        ("4000x3000 JPEG photo-like, q90", _encode(photo, "JPEG"), "image/jpeg"),
        ("4000x3000 JPEG of noise (worst case), q90", _encode(noise, "JPEG"), "image/jpeg"),
        ("4000x3000 PNG photo-like", _encode(photo, "PNG"), "image/png"),
        ("1-page PDF statement", _pdf_page(), "application/pdf"),
    ]
    lines = ["## Image forensics", "",
             "`image_evidence(data, content_type)`: EXIF + 64-bit DCT perceptual hash. Target < 100 ms for a "
             "4000x3000 JPEG.", "", "| file | bytes | median | max |", "|---|---|---|---|"]
    for label, data, kind in files:
        median, worst = timed(data, kind)
        lines.append(f"| {label} | {len(data):,} | {median:.1f} ms | {worst:.1f} ms |")

    def phash(image: Image.Image, quality: int = 90) -> str:
        return image_evidence(_encode(image, "JPEG", quality), "image/jpeg").phash

    same = []
    for seed in range(6):
        original = _photo(seed)
        reference = phash(original, 95)
        same += [hamming(reference, phash(original, 40)), hamming(reference, phash(original.resize((2000, 1500)))),
                 hamming(reference, phash(original.resize((1000, 750)), 30))]
    photos = [phash(_photo(seed, (1600, 1200))) for seed in range(100, 124)]
    different = [hamming(a, b) for i, a in enumerate(photos) for b in photos[i + 1:]]
    renders = [phash(_template_render(seed)) for seed in range(12)]
    template = [hamming(a, b) for i, a in enumerate(renders) for b in renders[i + 1:]]
    limit = default_policy().fraud.duplicate_max_distance
    lines += ["", f"Hash distances in bits of 64 (policy: the same picture at <= {limit}):", "",
              "| pairs | n | min | median | max | within the duplicate distance |", "|---|---|---|---|---|---|"]
    for label, values in [("same photo re-compressed / resized", same), ("different photographs", different),
                          ("flat renders of one template, different text", template)]:
        within = sum(1 for v in values if v <= limit)
        lines.append(f"| {label} | {len(values)} | {min(values)} | {statistics.median(values):g} | {max(values)} | "
                     f"{within}/{len(values)} |")
    lines += ["", "The last row is why the hash alone does not decide: 64 low frequencies see a page's layout, "
              "not its text, so flat renders of one template (synthetic samples, PDFs of one bank) hash a few bits "
              "apart. `validate` therefore counts a near hash as the same picture only when no key field read on "
              "both documents differs (`rules.validate.content_keys`: ID number, name, income, account, period, "
              "balance, hashed); the `duplicate_image` row above measures that two-stage check.", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decision")
    parser.add_argument("--clean", type=int, default=100, help="clean typical applications")
    parser.add_argument("--per-defect", type=int, default=5, help="applications per defect")
    parser.add_argument("--report", type=Path, default=Path(__file__).with_name("decision-report.md"))
    args = parser.parse_args(argv)
    text, ok = render(run(args.clean, args.per_defect))
    text += "\n" + "\n".join(forensics())
    args.report.write_text(text, encoding="utf-8")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
