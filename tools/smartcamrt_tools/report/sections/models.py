"""Model comparison (CNN / LSTM / transformer): models.json from scripts/bench/models.py (top-level
``"kind": "model-comparison"``: ``rows`` per model x runtime x threads, ``lengths`` the latency against
tokens fed, ``machine``, ``settings``, ``command``, ``created``). Known columns come first and any other
the benchmark adds is shown too; the benchmark's own PNGs beside models.json are embedded."""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import charts
from ..discover import Result
from ..model import Figure, Section, Table, fmt
from . import Context, Step, others_note

KEY = "models"
TITLE = "Model comparison (CNN / LSTM / transformer)"
SCRIPT = "scripts/bench/models.py"
FILL_COMMAND = f".venv/bin/python {SCRIPT}"
# What --run passes: one thread count, two lengths, few items (the defaults take tens of minutes).
CHEAP = [
    "--threads",
    "2",
    "--lengths",
    "16",
    "64",
    "--texts",
    "5",
    "--dev-texts",
    "50",
    "--frames",
    "20",
    "--rounds",
    "1",
]

# (key, title, format), models.py's own column titles
KNOWN = (
    ("family", "family", ""),
    ("model", "model", ""),
    ("runtime", "runtime", ""),
    ("precision", "precision", ""),
    ("length", "input", ""),
    ("threads", "threads", ""),
    ("size_mb", "size MB", ".1f"),
    ("parameters_m", "params M", ".2f"),
    ("gflops", "GFLOPs/item", ".3f"),
    ("flops_at", "at", ""),
    ("accuracy", "accuracy", ".4f"),
    ("metric", "metric", ""),
    ("init_ms", "init ms", ".0f"),
    ("first_infer_ms", "first infer ms", ".1f"),
    ("p50_ms", "infer p50 ms", ".2f"),
    ("p99_ms", "infer p99 ms", ".2f"),
    ("pre_p50_ms", "pre p50 ms", ".3f"),
    ("item_p50_ms", "read to answer p50 ms", ".2f"),
    ("rss_max_mb", "peak RSS MB", ".0f"),
    ("cpu_mean_pct", "CPU % (1 core = 100)", ".0f"),
)
THEIR_FIGURES = (
    ("models-latency.png", "Inference per item per model and runtime (models.py's figure)"),
    ("models-length.png", "Latency against tokens fed (models.py's figure)"),
    ("models-threads.png", "One thread against two (models.py's figure)"),
)


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def columns(rows: list[dict]) -> list[tuple[str, str, str]]:
    present = list(dict.fromkeys(k for r in rows for k, v in r.items() if _scalar(v)))
    if "model" in present and "family" in present:
        present.remove("family")  # the model's file name says it; the table is wide enough
    metrics = {r.get("metric") for r in rows if r.get("metric")}
    known = [c for c in KNOWN if c[0] in present]
    if len(metrics) == 1 and "metric" in present:  # one metric: named once, in the heading
        metric = next(iter(metrics))
        known = [
            (k, f"accuracy ({metric})" if k == "accuracy" else t, f) for k, t, f in known if k != "metric"
        ]
    names = {c[0] for c in KNOWN}
    return known + [(k, k.replace("_", " "), ".4g") for k in present if k not in names]


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _machine(value: object) -> str:
    if isinstance(value, dict):
        flags = " ".join(map(str, value.get("flags") or []))
        return f"{value.get('cpu', '?')} ({flags}), {value.get('cores', '?')} cores"
    return str(value)


def _lengths_table(lengths: list[dict], source) -> Table | None:
    rows = [
        r for r in lengths if isinstance(r, dict) and _number(r.get("tokens")) and _number(r.get("p50_ms"))
    ]
    if not rows:
        return None
    tokens = sorted({int(r["tokens"]) for r in rows})
    cells: dict[tuple, dict[int, dict]] = {}
    for r in rows:
        cells.setdefault((str(r.get("model")), str(r.get("runtime")), str(r.get("threads"))), {})[
            int(r["tokens"])
        ] = r
    body = []
    for (model, runtime, threads), by_tokens in cells.items():
        body.append(
            [model, runtime, threads]
            + [fmt(by_tokens[n]["p50_ms"], ".2f") if n in by_tokens else "" for n in tokens]
        )
    return Table(
        f"{KEY}-lengths",
        "Inference p50 ms against the tokens fed (text models)",
        ["model", "runtime", "threads", *[f"{n} tokens" for n in tokens]],
        body,
        source,
    )


def newest_complete(results: list[Result]) -> Result | None:
    """The newest run over every model; a later `--only` re-measure of a few is not the comparison."""
    complete = [r for r in results if not (r.data.get("settings") or {}).get("only")]
    return (complete or results or [None])[0]


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    result = newest_complete(context.all("model-comparison"))
    rows = [r for r in (result.data.get("rows") or []) if isinstance(r, dict)] if result else []
    if result is None or not rows:
        what = "has no rows" if result else "was found"
        section.missing = f'no model comparison (models.json, "kind": "model-comparison") {what}'
        _text_dev(context, section)
        return section
    data = result.data
    source = result.provenance(f".venv/bin/python {SCRIPT}")
    if data.get("machine"):
        section.notes.append(f"Machine: {_machine(data['machine'])}; engine {data.get('engine', '?')}.")
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    if settings:
        shown = ", ".join(
            f"{k.replace('_', ' ')} {v}"
            for k, v in settings.items()
            if k not in ("out", "figures") and v not in (None, "", [])
        )
        section.notes.append(f"Settings: {shown}.")
    if data.get("left_out"):
        section.notes.append(
            "Left out (not in the model cache): " + ", ".join(map(str, data["left_out"])) + "."
        )
    cols = columns(rows)
    section.tables.append(
        Table(
            f"{KEY}-table",
            "The detector (CNN), the BiLSTM and MiniLM (transformer) per format, runtime and threads",
            [title for _, title, _ in cols],
            [[fmt(r.get(k), spec) for k, _, spec in cols] for r in rows],
            source,
        )
    )
    lengths = _lengths_table(data.get("lengths") or [], source)
    if lengths:
        section.tables.append(lengths)
    _figures(context, section, result.path.parent, rows, source)
    section.notes += others_note(
        context.all("model-comparison"),
        "model comparisons",
        result,
        "the newest over every model (not --only)",
    )
    _text_dev(context, section)
    return section


TEXT_DEV = (
    ("model", "model", ""),
    ("runtime", "runtime", ""),
    ("precision", "precision", ""),
    ("answered", "answered", ""),
    ("accuracy", "dev accuracy (C++)", ".4f"),
    ("manifest_accuracy", "manifest", ".4f"),
    ("agreement_python_same_runtime", "agreement C++ vs Python, same runtime", ".4f"),
    ("agreement_ref_run", "agreement C++ vs ref-run", ".4f"),
    ("cpp_infer_p50_ms", "infer p50 ms C++", ".2f"),
    ("cpp_service_p50_ms", "per text p50 ms C++", ".2f"),
    ("py_service_p50_ms", "per text p50 ms ref-run", ".2f"),
    ("service_python_over_cpp", "ref-run / C++", ".2f"),
)


def _text_dev(context: Context, section: Section) -> None:
    """The text models on all of SST-2 dev through the engine, against Python (scripts/bench/text_dev.py)."""
    result = context.latest("text-dev")
    rows = [r for r in (result.data.get("rows") or []) if isinstance(r, dict)] if result else []
    if not rows:
        return
    source = result.provenance(".venv/bin/python scripts/bench/text_dev.py")
    texts = result.data.get("texts")
    sentences = f" ({texts} sentences)" if texts else ""
    section.tables.append(
        Table(
            f"{KEY}-text-dev",
            f"Text models on SST-2 dev{sentences} through the C++ engine, against Python on the same runtime "
            "and the Python reference loop",
            [title for _, title, _ in TEXT_DEV],
            [[fmt(r.get(k), spec) for k, _, spec in TEXT_DEV] for r in rows],
            source,
        )
    )
    for png in sorted(result.path.parent.glob("text-dev*.png"))[:2]:
        target = context.figures / png.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, target)
        section.figures.append(
            Figure(f"{KEY}-{png.stem}", "SST-2 dev through the engine (text_dev.py's figure)", target, source)
        )


def _figures(context: Context, section: Section, folder: Path, rows: list[dict], source) -> None:
    threads = max((r["threads"] for r in rows if _number(r.get("threads"))), default=None)
    at = [r for r in rows if threads is None or r.get("threads") == threads]
    suffix = f", {threads} threads" if threads else ""
    scored = [r for r in at if _number(r.get("accuracy")) and _number(r.get("p50_ms"))]
    if scored:
        png = charts.scatter(
            context.figures / "models-accuracy-latency.png",
            [(r["p50_ms"], r["accuracy"]) for r in scored],
            [f"{r.get('model')} @ {r.get('runtime')}" for r in scored],
            title=f"Text models: accuracy against latency{suffix}",
            xlabel="inference p50 ms per text (lower is better)",
            ylabel=str(scored[0].get("metric") or "accuracy"),
            footer=source.text(),
            front=True,
        )
        section.figures.append(
            Figure(f"{KEY}-scatter", "Accuracy against latency (text models)", png, source)
        )
    copied = 0
    for name, caption in THEIR_FIGURES:
        if (folder / name).is_file():
            target = context.figures / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, target)
            section.figures.append(Figure(f"{KEY}-{name.removesuffix('.png')}", caption, target, source))
            copied += 1
    timed = [r for r in at if _number(r.get("p50_ms"))]
    if not copied and timed:  # the benchmark's own figures are not there: a latency chart of ours
        png = charts.bars(
            context.figures / "models-latency.png",
            [f"{r.get('model')} @ {r.get('runtime')}" for r in timed],
            {"infer p50 ms": [r["p50_ms"] for r in timed]},
            title=f"Inference per item{suffix} (lower is better, log scale)",
            xlabel="ms",
            footer=source.text(),
            log=True,
        )
        section.figures.append(
            Figure(f"{KEY}-latency", "Inference per item per model and runtime", png, source)
        )


def plan(context: Context, out: Path) -> list[Step]:
    script = context.repo / SCRIPT
    if not script.is_file():
        return []
    argv = [str(context.repo / ".venv/bin/python"), str(script), "--out", str(out / "bench-models")]
    if context.full:
        return [Step("model comparison (its default settings)", argv, out / "bench-models")]
    what = "model comparison (cheap: 2 threads, lengths 16 and 64, few items)"
    return [Step(what, [*argv, *CHEAP], out / "bench-models")]
