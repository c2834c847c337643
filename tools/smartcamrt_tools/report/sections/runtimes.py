"""Runtime comparison: the table ``smartcamrt-tools bench-runtimes`` (scripts/bench/runtimes.sh) writes
as runtimes.json: every model file timed on its runtime, session and pipeline latency."""

from __future__ import annotations

from pathlib import Path

from .. import charts
from ..model import Figure, Section, Table, fmt
from . import Context, Step, others_note

KEY = "runtimes"
TITLE = "Runtime comparison"
FILL_COMMAND = "bash scripts/bench/runtimes.sh"
CHEAP = {
    "FORMATS": "onnx executorch",
    "ROUNDS": "1",
    "RUNS": "20",
    "FRAMES": "30",
    "SMARTCAMRT_SKIP_BUILD": "1",
}

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


def plan(context: Context, out: Path) -> list[Step]:
    env = dict(CHEAP, OUT=str(out / "bench-runtimes"))
    return [
        Step(
            "runtime comparison (cheap: onnx + executorch, 1 round, 20 runs)",
            ["bash", str(context.repo / "scripts/bench/runtimes.sh")],
            out / "bench-runtimes",
            env,
        )
    ]
