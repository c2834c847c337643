"""The model comparison's figures (PNG) from its models.json document (models.py)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"yolov5n-640": "#1f77b4", "yolov5n-320": "#7fb2dd", "lstm": "#2ca02c", "minilm": "#d62728"}
STYLES = {"ort": "-", "openvino": "--", "litert": ":", "executorch": "-."}


def _label(row: dict) -> str:
    return f"{row['model']} @ {row['runtime']}"


def _footer(fig, document: dict) -> None:
    host = document["machine"]
    fig.text(
        0.01,
        0.005,
        f"{host['cpu']} ({' '.join(host['flags'])}), {host['cores']} cores; "
        f"{document['created']}; smartcamrt run (C++ engine)",
        fontsize=7,
        color="grey",
    )


def plot_latency(document: dict, out: Path) -> Path:
    threads = max(r["threads"] for r in document["rows"])
    rows = [r for r in document["rows"] if r["threads"] == threads]
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.5))
    labels = [_label(r) for r in rows]
    ax.barh(labels, [r["p50_ms"] for r in rows], color=[COLOURS.get(r["family"], "grey") for r in rows])
    ax.errorbar([r["p99_ms"] for r in rows], labels, fmt="|", color="black", label="p99")
    for index, row in enumerate(rows):
        ax.text(
            row["p99_ms"] * 1.15,
            index,
            f"{row['p50_ms']:.2f} ms, {row['gflops']:.2f} GFLOPs, {row['size_mb']:.0f} MB",
            va="center",
            fontsize=7,
        )
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel(f"inference per item, ms (bar p50, tick p99), {threads} threads; text: SST-2 dev sentences")
    ax.set_title("yolov5n vs BiLSTM vs MiniLM per runtime (C++ engine)")
    ax.legend(loc="upper right")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    _footer(fig, document)
    path = out / "models-latency.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_length(document: dict, out: Path) -> Path:
    threads = min(r["threads"] for r in document["lengths"])  # one thread: the least disturbed by neighbours
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    series: dict[str, list[dict]] = {}
    for row in document["lengths"]:
        if row["threads"] == threads:
            series.setdefault(_label(row), []).append(row)
    for label, rows in series.items():
        rows.sort(key=lambda r: r["tokens"])
        first = rows[0]
        marker = "s" if "int8" in first["model"] else "o"
        left.plot(
            [r["tokens"] for r in rows],
            [r["p50_ms"] for r in rows],
            STYLES.get(first["runtime"], "-"),
            marker=marker,
            color=COLOURS.get(first["family"], "grey"),
            label=label,
        )
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    left.set_xlabel("tokens in the text (fixed-length exports are fed 128 whatever the text)")
    left.set_ylabel(f"inference p50, ms ({threads} threads)")
    left.set_title("latency against sequence length")
    left.legend(fontsize=7)
    flops: dict[str, dict[int, dict]] = {}
    for row in document["lengths"]:
        if row["fed"] == row["tokens"]:
            flops.setdefault(row["family"], {})[row["tokens"]] = row
    for family, by_length in flops.items():
        lengths = sorted(by_length)
        right.plot(
            lengths,
            [by_length[n]["gflops"] for n in lengths],
            marker="o",
            color=COLOURS[family],
            label=f"{family}: all",
        )
        if any(by_length[n]["attention_gflops"] for n in lengths):
            right.plot(
                lengths,
                [by_length[n]["attention_gflops"] for n in lengths],
                marker="x",
                linestyle="--",
                color=COLOURS[family],
                label=f"{family}: attention (QK^T, AV)",
            )
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("tokens")
    right.set_ylabel("GFLOPs per text (2 x MACs, from the ONNX graph)")
    right.set_title("work against sequence length")
    right.legend(fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _footer(fig, document)
    path = out / "models-length.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_threads(document: dict, out: Path) -> Path | None:
    by_config: dict[str, dict[int, dict]] = {}
    for row in document["rows"]:
        by_config.setdefault(_label(row), {})[row["threads"]] = row
    pairs = [(label, t) for label, t in by_config.items() if 1 in t and 2 in t]
    if not pairs:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 0.3 * len(pairs) + 2))
    labels = [label for label, _ in pairs]
    speedups = [t[1]["p50_ms"] / t[2]["p50_ms"] for _, t in pairs]
    left.barh(labels, speedups, color=[COLOURS.get(t[1]["family"], "grey") for _, t in pairs])
    left.axvline(1.0, color="black", linewidth=0.8)
    left.invert_yaxis()
    left.set_xlabel("p50 with 1 thread / p50 with 2 threads (2 = perfect)")
    left.set_title("what the second thread buys (main inputs)")
    sweep: dict[str, dict[tuple[int, int], dict]] = {}
    for row in document["lengths"]:
        sweep.setdefault(_label(row), {})[(row["threads"], row["tokens"])] = row
    for label, cells in sweep.items():
        lengths = sorted({n for _, n in cells if (1, n) in cells and (2, n) in cells})
        if not lengths:
            continue
        first = cells[(1, lengths[0])]
        right.plot(
            lengths,
            [cells[(1, n)]["p50_ms"] / cells[(2, n)]["p50_ms"] for n in lengths],
            STYLES.get(first["runtime"], "-"),
            marker="s" if "int8" in first["model"] else "o",
            color=COLOURS.get(first["family"], "grey"),
            label=label,
        )
    right.axhline(1.0, color="black", linewidth=0.8)
    right.set_xscale("log", base=2)
    right.set_xlabel("tokens")
    right.set_ylabel("speed-up of 2 threads over 1")
    right.set_title("threads against sequence length")
    right.legend(fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _footer(fig, document)
    path = out / "models-threads.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_all(document: dict, out: Path) -> list[Path]:
    paths = [plot_latency(document, out), plot_length(document, out), plot_threads(document, out)]
    return [p for p in paths if p is not None]
