"""A reviewer's time for one item with the keyboard only: a scripted walk-through of the console, timed.

``python -m benchmarks.console [--items 8] [--seed 73] [--human-key-ms 150]`` (``make bench-console``) starts
the local cloud with the console, sends generated applications to review through the whole chain (the
project's own sample generator, documents in another person's name: name_mismatch, so a human decides), signs a
reviewer in in headless Chromium (Debian's) and works the queue from the top with key presses only:

- path "correct + approve": Enter (open) . c (claim) . j (the first field) . e (correct) . the value . Tab .
  a note . Ctrl+Enter . a (approve) . a note . Ctrl+Enter -> the item has left the queue;
- path "approve as read": Enter . c . a . a note . Ctrl+Enter.

Each path runs at two paces: keys as fast as the browser takes them (what the console and the API cost) and
at ``--human-key-ms`` between key presses (a steady typist; reading the page is not included in either).
The clock runs from the Enter on the selected row to the queue drawn without the item. The report goes to
benchmarks/console-report.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "console-report.md"
CHINA = ZoneInfo("Asia/Shanghai")
APPROVE_NOTE = "核对原件无误"
CORRECT_NOTE = "按原件更正"


@dataclass
class Walk:
    path: str
    pace: str
    application_id: str
    keys: int = 0
    characters: int = 0
    marks: dict[str, float] = field(default_factory=dict)  # stage -> seconds since the Enter

    @property
    def total(self) -> float:
        return self.marks["left the queue"]


class KeyboardReviewer:
    """Counts every key press; types at the given pace (milliseconds between keys)."""

    def __init__(self, console, delay_ms: int):
        self.console = console
        self.keyboard = console.page.keyboard
        self.delay_ms = delay_ms
        self.walk: Walk | None = None

    def press(self, key: str) -> None:
        self._pause()
        self.keyboard.press(key)
        self.walk.keys += 1

    def type(self, text: str) -> None:
        self.keyboard.type(text, delay=self.delay_ms)
        self._pause()
        self.walk.keys += len(text)
        self.walk.characters += len(text)

    def _pause(self) -> None:
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000)

    def mark(self, stage: str, started: float) -> None:
        self.walk.marks[stage] = time.perf_counter() - started

    def review(self, walk: Walk, corrected_name: str | None) -> Walk:
        console, page = self.console, self.console.page
        self.walk = walk
        page.wait_for_selector(f'#queue tr.item.selected[data-id="{walk.application_id}"]')
        started = time.perf_counter()
        self.press("Enter")
        console.wait_item()
        self.mark("item page shown", started)
        self.press("c")
        console.wait_claimed()
        self.mark("claimed", started)
        if corrected_name is not None:
            self.press("j")
            self.press("e")
            page.wait_for_selector("dialog#action[open]")
            self.press("Control+a")
            self.type(corrected_name)
            self.press("Tab")
            self.type(CORRECT_NOTE)
            self.press("Control+Enter")
            page.wait_for_selector("tr.field.selected .badge.corrected")
            self.mark("field corrected", started)
        self.press("a")
        page.wait_for_selector("dialog#action[open]")
        self.type(APPROVE_NOTE)
        self.press("Control+Enter")
        console.wait_gone(walk.application_id)
        self.mark("left the queue", started)
        return walk


def _review_items(cloud, count: int, seed: int, folder: Path) -> dict[str, str]:
    """Generated applications through the chain until they wait for a reviewer; application -> declared name."""
    from loanpipe_infra.demo import DemoRunner, Progress
    from testkit.samples import generate_applications

    samples = generate_applications(folder, count, seed=seed, tier="clean", defects=["name_mismatch"],
                                    captured_at=datetime.now(CHINA).replace(microsecond=0))  # live, as the demo
    runner = DemoRunner(cloud, Progress(), replay=False, timeout=600, sign=False)
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(runner.run, [sample.folder for sample in samples]))
    return {o.application_id: s.declared["applicant"]["name"] for o, s in zip(outcomes, samples, strict=True)
            if o.state == "IN_REVIEW"}


def _chromium_version() -> str:
    try:
        return subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _walks(console_url: str, user: str, password: str, names: dict[str, str], human_key_ms: int) -> list[Walk]:
    from playwright.sync_api import sync_playwright

    from testkit.console import ConsolePage, launch_chromium

    plan = [(path, pace) for pace in ("machine", "human") for path in ("correct + approve", "approve as read")]
    walks: list[Walk] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            console = ConsolePage(browser.new_page(viewport={"width": 1440, "height": 1000}), console_url)
            console.sign_in(user, password)
            for index in range(len(names)):
                path, pace = plan[index % len(plan)]
                console.wait_queue()
                top = next((i for i in console.queue_ids() if i in names), None)
                if top is None:
                    break
                console.select_with_keys(top)
                reviewer = KeyboardReviewer(console, human_key_ms if pace == "human" else 0)
                walk = Walk(path, pace, top)
                reviewer.review(walk, names[top] if path == "correct + approve" else None)
                walks.append(walk)
                print(f"{path:<18} {pace:<8} {top[-8:]}  {walk.total:6.2f} s  {walk.keys} keys", flush=True)
        finally:
            browser.close()
    return walks


def _code_measured() -> str:
    """The commit the run measured (the console needs the server side of its contract: say which)."""
    try:
        return subprocess.run(["git", "log", "-1", "--format=%h (%s)"], cwd=ROOT, capture_output=True, text=True,
                              timeout=30).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}-{high}"


def _report(walks: list[Walk], args: argparse.Namespace, chain_seconds: float, items: int,
            when: str | None = None, code: str | None = None, load: str | None = None) -> str:
    lines = [
        "# Console benchmark: one review item with the keyboard only",
        "",
        f"Code measured: {code or _code_measured()}.",
        "",
        f"Run {when or datetime.now().astimezone().isoformat(timespec='seconds')} by `make bench-console` "
        f"(`python -m benchmarks.console --items {args.items} --seed {args.seed} --human-key-ms {args.human_key_ms}`)"
        f" on {os.cpu_count()} cores ({platform.machine()}), {_chromium_version()} headless, the local cloud (moto) "
        "serving the API and the console on localhost; load average when the walk-throughs began: "
        f"{load or ' '.join(f'{v:.1f}' for v in os.getloadavg())}.",
        "",
        f"Review items: {items} generated applications (the project's own sample generator, seed {args.seed}, "
        f"planted defect name_mismatch) sent through the whole chain (upload, OCR, checks, score) in "
        f"{chain_seconds:.0f} s before the clock starts. The reviewer works the queue from the top; the clock runs "
        "from the Enter on the selected row to the queue drawn without the item. Every action is a key press "
        "(counted below); nothing is clicked.",
        "",
        "| path | pace | items | median s | min s | max s | key presses | of which typed characters |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[Walk]] = {}
    for walk in walks:
        groups.setdefault((walk.path, walk.pace), []).append(walk)
    for (path, pace), group in groups.items():
        totals = [w.total for w in group]
        pace_text = "as fast as the page takes keys" if pace == "machine" else f"{args.human_key_ms} ms per key"
        lines.append(f"| {path} | {pace_text} | {len(group)} | {statistics.median(totals):.2f} | {min(totals):.2f} | "
                     f"{max(totals):.2f} | {_span([w.keys for w in group])} | {_span([w.characters for w in group])} |")
    lines += ["", "Median seconds from the Enter to each stage:", "",
              "| path | pace | item page shown | claimed | field corrected | left the queue |",
              "|---|---|---|---|---|---|"]
    for (path, pace), group in groups.items():
        cells = []
        for stage in ("item page shown", "claimed", "field corrected", "left the queue"):
            values = [w.marks[stage] for w in group if stage in w.marks]
            cells.append(f"{statistics.median(values):.2f}" if values else "-")
        lines.append(f"| {path} | {pace} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "What the figures are: the machine-paced rows are what the console and the API cost a reviewer per item "
        "(page loads with four document images, claim, correction, decision, the queue redrawn); the paced rows "
        "add the key presses of a steady typist. Neither includes the time a person spends reading the "
        "documents and deciding, which is the reviewer's own and is added on top. An approval above the "
        "four-eyes amount is two such walk-throughs by two reviewers.",
        "",
        "Raw walks (seconds since the Enter):",
        "",
        "```",
        *[json.dumps({"path": w.path, "pace": w.pace, "application": w.application_id, "keys": w.keys,
                      "characters": w.characters, "marks": {k: round(v, 3) for k, v in w.marks.items()}},
                     ensure_ascii=False) for w in walks],
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--seed", type=int, default=73)
    parser.add_argument("--human-key-ms", type=int, default=150, help="pause between key presses of the paced runs")
    args = parser.parse_args()
    from loanpipe_infra.localcloud.cloud import LocalCloud

    with tempfile.TemporaryDirectory(prefix="bench-console-") as scratch:
        cloud = LocalCloud(ROOT, state_dir=Path(scratch) / "state")
        cloud.start()
        try:
            started = time.perf_counter()
            names = _review_items(cloud, args.items, args.seed, Path(scratch) / "applications")
            chain_seconds = time.perf_counter() - started
            print(f"{len(names)} item(s) in review after {chain_seconds:.0f} s", flush=True)
            password = cloud.staff_user("reviewer", "bench-reviewer", "Bench-Console-2026a")
            walks = _walks(cloud.state.console_url, "bench-reviewer", password, names, args.human_key_ms)
        finally:
            cloud.stop()
    if not walks:
        print("no walk-through ran: no item reached the review queue")
        return 1
    REPORT.write_text(_report(walks, args, chain_seconds, len(names)), encoding="utf-8")
    print(f"report written to {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
