"""Runtime comparison: the table ``smartcamrt-tools bench-runtimes`` (scripts/bench/runtimes.sh) writes
as runtimes.json: every model file timed on its runtime, session and pipeline latency."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import charts
from ..model import Figure, Section, Table, fmt
from . import Context, Step, others_note

KEY = "runtimes"
TITLE = "Runtime comparison"
FILL_COMMAND = "bash scripts/bench/runtimes.sh"
# What --run uses: the models already exported, few runs (scripts/bench/runtimes.sh: 100 runs x 3 rounds).
CHEAP = ["--frames", "30", "--runs", "20", "--rounds", "1"]
FULL = ["--frames", "100", "--runs", "100", "--rounds", "3"]  # runtimes.sh's

COLUMNS = (
    ("model", "model", ""),
    ("runtime", "runtime", ""),
    ("precision", "precision", ""),
    ("threads", "threads", ""),
    ("size_mb", "size MiB", ".2f"),
    ("init_ms", "init ms", ".1f"),
    ("p50_ms", "p50 ms", ".2f"),
    ("p90_ms", "p90 ms", ".2f"),
    ("p99_ms", "p99 ms", ".2f"),
    ("pipeline_e2e_p50_ms", "pipeline e2e p50 ms", ".2f"),
    ("throughput_per_s", "throughput /s", ".1f"),
    ("peak_rss_mb", "peak RSS MiB", ".0f"),
    ("parity", "parity", ""),
    ("rounds", "rounds", ""),
)


def _label(row: dict) -> str:
    return f"{row.get('model', '?')} ({row.get('runtime', '?')}, {row.get('precision', '?')})"


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    result = context.latest("runtimes")
    if result is None:
        section.missing = "no bench-runtimes result (runtimes.json) was found"
        return section
    source = result.provenance(f"smartcamrt-tools bench-runtimes ({FILL_COMMAND})")
    rows = result.data["rows"]
    section.notes.append(f"Machine: {result.data.get('machine', 'not recorded')}.")
    rounds = {r.get("rounds", 1) for r in rows}
    if rounds == {1}:
        section.notes.append(
            "One round: each figure is a single measurement (scripts/bench/runtimes.sh runs 3 rounds, "
            "interleaved, and reports the median), so compare with care."
        )
    section.tables.append(
        Table(
            f"{KEY}-table",
            "Session latency (smartcamrt bench) and the real-time pipeline, per model file and runtime",
            [title for _, title, _ in COLUMNS],
            [[fmt(row.get(key), spec) for key, _, spec in COLUMNS] for row in rows],
            source,
        )
    )
    labels = [_label(r) for r in rows]
    series = {"session p50 ms": [r.get("p50_ms") for r in rows]}
    if any(r.get("pipeline_e2e_p50_ms") is not None for r in rows):
        series["pipeline end-to-end p50 ms"] = [r.get("pipeline_e2e_p50_ms") for r in rows]
    png = charts.bars(
        context.figures / "runtimes-latency.png",
        labels,
        series,
        title="Latency per model file and runtime (lower is better)",
        xlabel="ms",
        footer=source.text(),
    )
    section.figures.append(Figure(f"{KEY}-latency", "Latency per runtime", png, source))
    section.notes += others_note(context.all("runtimes"), "bench-runtimes results")
    return section


def cheap_models(context: Context) -> list[Path]:
    """The models runtimes.sh would time that are already here: the cache's 640 exports (no export is
    started: that is runtimes.sh's job) and the third-party TFLite files of the assets."""
    cached = [
        context.home / "models" / f"yolov5n-640{suffix}" for suffix in (".onnx", ".pte", ".xml", ".tflite")
    ]
    found = [m for m in cached if m.is_file() and m.with_name(m.name + ".json").is_file()]
    assets = Path(os.environ.get("SMARTCAMRT_ASSETS", context.repo.parent / "shared/assets")) / "models"
    found += [
        assets / name for name in ("yolov5n-fp16.tflite", "yolov5n-int8.tflite") if (assets / name).is_file()
    ]
    return found


def plan(context: Context, out: Path) -> list[Step]:
    models = cheap_models(context)
    if not models:
        return []
    argv = [
        sys.executable,
        "-m",
        "smartcamrt_tools",
        "bench-runtimes",
        *map(str, models),
        "--out",
        str(out / "bench-runtimes"),
        *(FULL if context.full else CHEAP),
    ]
    settings = "100 frames, 100 runs, 3 rounds" if context.full else "cheap: 30 frames, 20 runs, 1 round"
    what = f"runtime comparison ({len(models)} model files; {settings})"
    return [Step(what, argv, out / "bench-runtimes")]
