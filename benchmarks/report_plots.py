"""The report's plots (PNG, matplotlib from `make bench`'s set-up), each titled with the data it was measured on."""

from __future__ import annotations

from pathlib import Path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _saved(plt, figure, out: Path) -> str:
    """Lay the figure out, write it as PNG, free it; the file's name for the report."""
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out.name


def plot_extraction(extraction: dict, out: Path) -> str | None:
    sets = [(name, s) for name, s in extraction["sets"].items() if s.get("by_type")]
    if not sets:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(sets), figsize=(6 * len(sets), 4), squeeze=False)
    for axis, (name, data) in zip(axes[0], sets, strict=True):
        types = [row["doc_type"] for row in data["by_type"]]
        positions = range(len(types))
        axis.bar([p - 0.2 for p in positions], [r["median_cpu_s"] for r in data["by_type"]], 0.4, label="loanpipe")
        axis.bar([p + 0.2 for p in positions], [r["median_baseline_cpu_s"] for r in data["by_type"]], 0.4,
                 label="baseline (full-page Tesseract)")
        axis.set_xticks(list(positions), [t.replace("_", "\n") for t in types], fontsize=8)
        axis.set_ylabel("median CPU s per document")
        axis.set_title(f"{name}: {data['source']}", fontsize=7)
        axis.legend(fontsize=7)
    return _saved(plt, figure, out)


def plot_latency(saturation: dict, idle: dict, out: Path) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(15, 4))
    series = [
        (saturation["latency"]["upload_to_visible_s"], "upload -> officer-visible, saturation", axes[0]),
        (saturation["latency"]["submit_to_decision_s"], "submit -> decision, saturation", axes[1]),
        (idle["upload_to_visible_s"], "ID card side upload -> visible, idle pipeline", axes[2]),
    ]
    for values, title, axis in series:
        ordered = sorted(values)
        axis.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], drawstyle="steps-post")
        axis.set_xlabel("seconds")
        axis.set_ylabel("share of documents / applications")
        axis.set_title(f"{title} (n={len(values)})", fontsize=8)
        axis.axhline(0.95, color="grey", linewidth=0.5)
    axes[2].axvline(2.0, color="red", linewidth=0.8, label="target p95 2 s")
    axes[2].legend(fontsize=7)
    figure.suptitle(f"local cloud, {saturation['applications']} generated applications, "
                    f"{saturation['officers']} officers at once", fontsize=9)
    return _saved(plt, figure, out)


def plot_memory(saturation: dict, out: Path) -> str:
    plt = _pyplot()
    names = list(saturation["functions"])
    figure, axis = plt.subplots(figsize=(8, 4))
    positions = range(len(names))
    axis.bar([p - 0.2 for p in positions], [saturation["functions"][n]["peak_rss_mb"] for n in names], 0.4,
             label="peak RSS (with child processes)")
    axis.bar([p + 0.2 for p in positions], [saturation["functions"][n]["memory_mb"] for n in names], 0.4,
             label="MemorySize (template.yaml)")
    axis.set_xticks(list(positions), [n.replace("Function", "") for n in names])
    axis.set_ylabel("MB")
    axis.set_title("peak memory per function at saturation (local runtime, getrusage)", fontsize=9)
    axis.legend(fontsize=8)
    return _saved(plt, figure, out)


def plot_cost(cost: dict, out: Path) -> str:
    plt = _pyplot()
    lines = {k: v for k, v in cost["per_application"].items() if k != "total"}
    figure, axis = plt.subplots(figsize=(8, 4))
    axis.barh(list(lines), [v * 1000 for v in lines.values()])
    axis.set_xlabel("USD per 1,000 applications")
    axis.set_title(f"AWS cost per application by service ({cost['prices']['region']} list prices, measured calls); "
                   f"total ${cost['per_application']['total']:.4f}, Textract alone ${cost['textract_per_application']}",
                   fontsize=8)
    axis.axvline(2.0, color="red", linewidth=0.8, label="target total: $2 per 1,000")
    axis.legend(fontsize=7)
    return _saved(plt, figure, out)


def plot_all(data: dict, folder: Path) -> dict[str, str]:
    plots = {}
    if data.get("extraction"):
        name = plot_extraction(data["extraction"], folder / "report-extraction-cpu.png")
        if name:
            plots["extraction"] = name
    if data.get("saturation"):
        plots["latency"] = plot_latency(data["saturation"], data["idle"], folder / "report-latency.png")
        plots["memory"] = plot_memory(data["saturation"], folder / "report-memory.png")
        plots["cost"] = plot_cost(data["cost"], folder / "report-cost.png")
    return plots
