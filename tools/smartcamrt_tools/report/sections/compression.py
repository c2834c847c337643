"""Compression: the table scripts/bench/compression.py writes (compression.json, ``"kind":
"compression-table"``: fp32, fp16, int8, QAT, pruned and distilled variants; size, cost, latency per
runtime, mAP), a Pareto plot per runtime, and the int8 figures published in docs/quantization.md. The
older shape (``cpu`` + ``rows``, no kind) is read too."""

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
    ("format", "format", ""),
    ("precision", "precision", ""),
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
    """The known columns first, then any other scalar column the (growing) table carries, in the order
    the rows hold them; a runtime's p50 and its speedup share one column ("5.68 (1.06x)")."""
    present = list(dict.fromkeys(k for r in rows for k, v in r.items() if not isinstance(v, dict | list)))
    chosen = [c for c in PREFERRED if c[0] in present]
    known = {c[0] for c in chosen}
    extra = []
    for key in present:
        if key in known or (key.endswith("_speedup") and key.removesuffix("_speedup") + "_p50_ms" in present):
            continue
        if key.endswith("_p50_ms") and key.removesuffix("_p50_ms") + "_speedup" in present:
            extra.append((key, f"{key.removesuffix('_p50_ms')} p50 ms (x fp32)", "p50+speedup"))
        else:
            extra.append((key, key.replace("_", " "), ".2f" if key.endswith(("_ms", "speedup")) else ""))
    return chosen + extra


def cell(row: dict, key: str, spec: str) -> str:
    if spec != "p50+speedup":
        return fmt(row.get(key), spec)
    p50, speedup = row.get(key), row.get(key.removesuffix("_p50_ms") + "_speedup")
    if p50 is None:
        return ""
    return fmt(p50, ".2f") + (f" ({fmt(speedup, '.2f')}x)" if speedup is not None else "")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def latency_keys(rows: list[dict]) -> list[str]:
    """Each runtime's p50 column that at least two rows with an mAP have: one Pareto plot per runtime
    (latencies of different runtimes are not one axis)."""
    keys = list(dict.fromkeys(k for r in rows for k in r if k.endswith("_p50_ms")))
    return [k for k in keys if sum(_number(r.get(k)) and _number(r.get("mAP50-95")) for r in rows) >= 2]


def _machine(data: dict) -> str:
    host = data.get("machine")
    if isinstance(host, dict):
        flags = " ".join(map(str, host.get("flags") or []))
        return f"{host.get('cpu', '?')} ({flags}), {host.get('cores', '?')} cores"
    return str(data.get("cpu") or host or "not recorded")


def _notes(data: dict) -> list[str]:
    notes = [f"Machine: {_machine(data)}."]
    settings = [f"{data[k]} {k}" for k in ("threads", "runs", "rounds") if data.get(k) is not None]
    if settings:
        notes.append("Settings: " + ", ".join(settings) + " (median p50 over the rounds).")
    if data.get("accuracy"):
        notes.append(f"Accuracy from: {data['accuracy']}.")
    baselines = data.get("baselines")
    if isinstance(baselines, dict) and baselines:
        notes.append(
            "Speedups are against each runtime's fp32 baseline: "
            + ", ".join(f"{runtime} {name}" for runtime, name in baselines.items())
            + "."
        )
    return notes


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    result = context.latest("compression")
    if result is None:
        section.missing = (
            "no compression table (compression.json from scripts/bench/compression.py) was found"
        )
    else:
        source = result.provenance(".venv/bin/python scripts/bench/compression.py")
        rows = [r for r in result.data["rows"] if isinstance(r, dict)]
        cols = columns(rows)
        section.notes += _notes(result.data)
        section.tables.append(
            Table(
                f"{KEY}-table",
                "Compressed variants against fp32 (speedup: the runtime's fp32 p50 / the variant's p50)",
                [title for _, title, _ in cols],
                [[cell(r, k, spec) for k, _, spec in cols] for r in rows],
                source,
            )
        )
        for latency in latency_keys(rows):
            runtime = latency.removesuffix("_p50_ms")
            shown = [r for r in rows if _number(r.get(latency)) and _number(r.get("mAP50-95"))]
            png = charts.scatter(
                context.figures / f"compression-pareto-{runtime}.png",
                [(r[latency], r["mAP50-95"]) for r in shown],
                [str(r.get("variant") or r.get("model")) for r in shown],
                title=f"Compression on {runtime}: latency against accuracy (up and left is better)",
                xlabel=f"p50 ms on {runtime} (lower is better)",
                ylabel="COCO mAP50-95 (coco128 eval split)",
                footer=source.text(),
                sizes=[float(r.get("size_mb") or 0) for r in shown],
                size_label="file size (MB)",
                front=True,
            )
            section.figures.append(
                Figure(
                    f"{KEY}-pareto-{runtime}",
                    f"Pareto plot on {runtime}: latency, accuracy, size",
                    png,
                    source,
                )
            )
        section.notes += others_note(context.all("compression"), "compression tables")
    _int8_speedup(context, section)
    page = context.repo / "docs" / "quantization.md"
    published = tables_under(
        context.repo, page, "Measured:", f"{KEY}-int8", "bash scripts/bench/int8_isa_check.sh"
    )
    section.tables += published
    if published and section.is_missing:
        section.notes.append("The int8 figures below are the ones published in docs/quantization.md.")
    return section


def _speedup(row: dict) -> str:
    spread = f"{fmt(row.get('speedup_min'), '.2f')}-{fmt(row.get('speedup_max'), '.2f')}"
    return f"{fmt(row.get('speedup'), '.2f')}x ({spread})"


def _int8_speedup(context: Context, section: Section) -> None:
    """int8 against fp32 on each runtime, interleaved (python -m smartcamrt_tools.quantization.speedup)."""
    result = context.latest("int8-speedup")
    if result is None:
        return
    source = result.provenance(".venv/bin/python -m smartcamrt_tools.quantization.speedup")
    rows = [r for r in result.data["rows"] if isinstance(r, dict)]
    body = [
        [
            fmt(r.get("runtime")),
            fmt(r.get("fp32")),
            fmt(r.get("int8")),
            fmt(r.get("fp32_p50_ms"), ".2f"),
            fmt(r.get("int8_p50_ms"), ".2f"),
            _speedup(r),
        ]
        for r in rows
    ]
    how = result.data.get("method")
    section.tables.append(
        Table(
            f"{KEY}-int8-speedup",
            f"int8 against fp32 per runtime{f' ({how})' if how else ''}; CPU: {result.data.get('cpu', '?')}",
            [
                "runtime",
                "fp32 file",
                "int8 file",
                "fp32 p50 ms",
                "int8 p50 ms",
                "speed-up (min-max over rounds)",
            ],
            body,
            source,
        )
    )
    timed = [r for r in rows if _number(r.get("speedup"))]
    if timed:
        png = charts.bars(
            context.figures / "compression-int8-speedup.png",
            [str(r.get("runtime")) for r in timed],
            {"int8 speed-up over fp32": [r["speedup"] for r in timed]},
            title="int8 speed-up over fp32 per runtime (higher is better; 1 = no gain)",
            xlabel="fp32 p50 / int8 p50",
            footer=source.text(),
        )
        section.figures.append(Figure(f"{KEY}-int8-speedup-chart", "int8 speed-up per runtime", png, source))


def plan(context: Context, out: Path) -> list[Step]:
    models = context.home / "models"
    baseline = models / "yolov5n-320.onnx"
    variants = sorted((context.home / "compression").glob("*.onnx"))
    artifacts = (".onnx", ".xml", ".tflite", ".pte")  # not the manifests, not OpenVINO's .bin
    variants += sorted(p for p in models.glob("yolov5n-320.int8.*") if p.suffix in artifacts)
    if not baseline.is_file() or not variants:
        return []  # nothing to measure: the variants come from `smartcamrt compress` (hours of training)
    argv = [
        str(context.repo / ".venv/bin/python"),
        str(context.repo / "scripts/bench/compression.py"),
        "--baseline",
        str(baseline),
        *map(str, variants),
        # cheap: few runs, and mAP from the manifests instead of an evaluation per model
        *([] if context.full else ["--runs", "20", "--rounds", "1", "--no-eval"]),
        "--out",
        str(out / "compression"),
    ]
    what = "compression table" + (
        "" if context.full else " (cheap: 20 runs, 1 round, mAP from the manifests)"
    )
    return [Step(what, argv, out / "compression")]
