"""Model comparison (CNN / LSTM / transformer): the JSON the model benchmark writes (top-level
``"kind": "model-comparison"``, default runs/bench-models/). Its columns are read from the rows, known
ones first, so the table keeps up with what the benchmark records."""

from __future__ import annotations

from pathlib import Path

from .. import charts
from ..model import Figure, Section, Table, fmt
from . import Context, Step, others_note

KEY = "models"
TITLE = "Model comparison (CNN / LSTM / transformer)"
SCRIPT = "scripts/bench/models.py"
FILL_COMMAND = f".venv/bin/python {SCRIPT}"

PREFERRED = (
    "model",
    "name",
    "family",
    "architecture",
    "arch",
    "task",
    "format",
    "runtime",
    "precision",
    "threads",
    "params",
    "size_mb",
    "accuracy",
    "dev_accuracy",
    "metric",
    "p50_ms",
    "p95_ms",
    "p99_ms",
)
ROW_LISTS = ("rows", "models", "results", "entries")


def rows_of(data: dict) -> list[dict]:
    for key in ROW_LISTS:
        value = data.get(key)
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            return value
    return []


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def columns(rows: list[dict]) -> list[str]:
    present = [k for r in rows for k, v in r.items() if _scalar(v)]
    unique = list(dict.fromkeys(present))
    return [k for k in PREFERRED if k in unique] + [k for k in unique if k not in PREFERRED]


def _spec(values: list[object]) -> str:
    floats = [v for v in values if isinstance(v, float)]
    return ".4g" if floats else ""


def _numeric_key(rows: list[dict], accept) -> str | None:
    for key in columns(rows):
        if accept(key) and all(
            isinstance(r.get(key), int | float) and not isinstance(r.get(key), bool) for r in rows
        ):
            return key
    return None


def _label(row: dict) -> str:
    parts = [str(row.get(k)) for k in ("model", "name") if row.get(k)][:1]
    parts += [str(row.get(k)) for k in ("format", "runtime", "precision") if row.get(k)]
    return " ".join(parts) or "?"


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    result = context.latest("model-comparison")
    rows = rows_of(result.data) if result else []
    if result is None or not rows:
        what = "has no rows" if result else "was found"
        section.missing = f'no model comparison (JSON with "kind": "model-comparison") {what}'
        return section
    source = result.provenance(FILL_COMMAND)
    machine = result.data.get("cpu") or result.data.get("machine") or result.data.get("host")
    if machine:
        section.notes.append(
            f"Machine: {machine if isinstance(machine, str) else ', '.join(map(str, machine.values()))}."
        )
    cols = columns(rows)
    section.tables.append(
        Table(
            f"{KEY}-table",
            "Text models side by side: accuracy, size and latency per format and runtime",
            [c.replace("_", " ") for c in cols],
            [[fmt(r.get(c), _spec([x.get(c) for x in rows])) for c in cols] for r in rows],
            source,
        )
    )
    latency = _numeric_key(rows, lambda k: k.endswith("_ms") and "p50" in k) or _numeric_key(
        rows, lambda k: k.endswith("_ms")
    )
    accuracy = _numeric_key(rows, lambda k: "acc" in k.lower())
    if latency and accuracy:
        png = charts.scatter(
            context.figures / "models-accuracy-latency.png",
            [(r[latency], r[accuracy]) for r in rows],
            [_label(r) for r in rows],
            title="Models: latency against accuracy (up and left is better)",
            xlabel=latency.replace("_", " "),
            ylabel=accuracy.replace("_", " "),
            footer=source.text(),
            front=True,
        )
        section.figures.append(Figure(f"{KEY}-scatter", "Accuracy against latency", png, source))
    elif latency:
        png = charts.bars(
            context.figures / "models-latency.png",
            [_label(r) for r in rows],
            {latency.replace("_", " "): [r[latency] for r in rows]},
            title="Latency per model (lower is better)",
            xlabel="ms",
            footer=source.text(),
        )
        section.figures.append(Figure(f"{KEY}-latency", "Latency per model", png, source))
    section.notes += others_note(context.all("model-comparison"), "model comparisons")
    return section


def plan(context: Context, out: Path) -> list[Step]:
    script = context.repo / SCRIPT
    if not script.is_file():
        return []
    argv = [str(context.repo / ".venv/bin/python"), str(script), "--out", str(out / "bench-models")]
    return [Step("model comparison", argv, out / "bench-models")]
