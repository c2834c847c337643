"""Compression: the table scripts/bench/compression.py writes (compression.json: pruned and distilled
variants against fp32; size, cost, latency per runtime, mAP), its Pareto plot, and the int8 figures
published in docs/quantization.md."""

from __future__ import annotations

from pathlib import Path

from .. import charts
from ..model import Figure, Section, Table, fmt
from . import Context, Step, others_note
from .docs_tables import tables_under

KEY = "compression"
TITLE = "Compression (pruning, distillation, int8)"
FILL_COMMAND = (
    ".venv/bin/python scripts/bench/compression.py --baseline ~/.cache/smartcamrt/models/yolov5n-320.onnx "
    "~/.cache/smartcamrt/compression/*.onnx"
)

PREFERRED = (
    ("variant", "variant", ""),
    ("model", "model", ""),
    ("input", "input", ""),
    ("params", "params", ","),
    ("gflops", "GFLOPs", ".3f"),
    ("sparsity", "sparsity", ".2f"),
    ("size_mb", "size MB", ".2f"),
    ("mAP50-95", "mAP50-95", ".4f"),
    ("mAP50", "mAP50", ".4f"),
    ("mAP50-95_drop_points", "mAP50-95 drop (pts)", ".2f"),
)


def columns(rows: list[dict]) -> list[tuple[str, str, str]]:
    """The known columns first, then any other scalar column the (growing) table carries."""
    present = {k for r in rows for k, v in r.items() if not isinstance(v, dict | list)}
    chosen = [c for c in PREFERRED if c[0] in present]
    known = {c[0] for c in chosen}
    extra = sorted(present - known)
    return chosen + [(k, k.replace("_", " "), ".2f" if k.endswith(("_ms", "speedup")) else "") for k in extra]


def _latency_key(rows: list[dict]) -> str | None:
    for key in ("ort_p50_ms", "openvino_p50_ms"):
        if all(isinstance(r.get(key), int | float) for r in rows):
            return key
    candidates = sorted({k for r in rows for k in r if k.endswith("_p50_ms")})
    for key in candidates:
        if all(isinstance(r.get(key), int | float) for r in rows):
            return key
    return None


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    result = context.latest("compression")
    if result is None:
        section.missing = (
            "no compression table (compression.json from scripts/bench/compression.py) was found"
        )
    else:
        source = result.provenance(".venv/bin/python scripts/bench/compression.py")
        rows = result.data["rows"]
        cols = columns(rows)
        section.notes.append(f"CPU: {result.data.get('cpu', 'not recorded')}.")
        section.tables.append(
            Table(
                f"{KEY}-table",
                "Pruned and distilled variants against the fp32 model (speedup: fp32 p50 / variant p50)",
                [title for _, title, _ in cols],
                [[fmt(r.get(k), spec) for k, _, spec in cols] for r in rows],
                source,
            )
        )
        latency = _latency_key(rows)
        accuracy = "mAP50-95"
        if latency and all(isinstance(r.get(accuracy), int | float) for r in rows):
            png = charts.scatter(
                context.figures / "compression-pareto.png",
                [(r[latency], r[accuracy]) for r in rows],
                [str(r.get("variant") or r.get("model")) for r in rows],
                title="Compression: latency against accuracy (up and left is better)",
                xlabel=f"{latency.replace('_', ' ')} (lower is better)",
                ylabel="COCO mAP50-95 (coco128 eval split)",
                footer=source.text(),
                sizes=[float(r.get("size_mb") or 0) for r in rows],
                size_label="file size (MB)",
                front=True,
            )
            section.figures.append(
                Figure(f"{KEY}-pareto", "Pareto plot: latency, accuracy, size", png, source)
            )
        section.notes += others_note(context.all("compression"), "compression tables")
    page = context.repo / "docs" / "quantization.md"
    published = tables_under(
        context.repo, page, "Measured:", f"{KEY}-int8", "bash scripts/bench/int8_isa_check.sh"
    )
    section.tables += published
    if published and section.is_missing:
        section.notes.append("The int8 figures below are the ones published in docs/quantization.md.")
    return section


def plan(context: Context, out: Path) -> list[Step]:
    baseline = context.home / "models" / "yolov5n-320.onnx"
    variants = sorted((context.home / "compression").glob("*.onnx"))
    if not baseline.is_file() or not variants:
        return []  # nothing to measure: the variants come from `smartcamrt compress` (hours of training)
    argv = [
        str(context.repo / ".venv/bin/python"),
        str(context.repo / "scripts/bench/compression.py"),
        "--baseline",
        str(baseline),
        *map(str, variants),
        *([] if context.full else ["--runs", "20", "--rounds", "1"]),
        "--out",
        str(out / "compression"),
    ]
    what = "compression table" + ("" if context.full else " (cheap: 20 runs, 1 round)")
    return [Step(what, argv, out / "compression")]
