"""Run folders: the newest ``smartcamrt run`` / ``ref-run`` folders found (summary.json), one row each.
Folders that belong to another result are left to it: those below a folder holding one (a stress
mode's, a benchmark's own runs) and an emulated Pi run's (emulation.json beside it)."""

from __future__ import annotations

from pathlib import Path

from ..discover import Result, run_id_time
from ..model import Provenance, Section, Table, fmt
from . import Context, Step

KEY = "runs"
TITLE = "Run folders"
FILL_COMMAND = "smartcamrt run --model MODEL --source SOURCE [--slo-ms MS]"
SHOWN = 15


def owners(context: Context) -> set[Path]:
    """Folders holding a result of another kind: run folders below them are that benchmark's own."""
    return {
        r.path.parent.resolve() for kind, found in context.results.items() if kind != "run" for r in found
    }


def standalone(result: Result, owned_by: set[Path]) -> bool:
    folder = result.path.parent.resolve()
    if (folder / "emulation.json").is_file():
        return False
    return not any(parent in owned_by for parent in list(folder.parents)[:4])


def _row(result: Result) -> list[str]:
    d = result.data
    config = d.get("config") or {}
    frames = d.get("frames") or {}
    e2e = (d.get("stages") or {}).get("e2e_ms") or {}
    adaptation = d.get("adaptation") or {}
    started = run_id_time(str(d.get("run_id", ""))) or result.mtime
    return [
        str(result.path.parent),
        started.strftime("%Y-%m-%d %H:%M UTC"),
        fmt(d.get("tool")),
        Path(str(config.get("model", ""))).name,
        fmt(config.get("runtime")),
        Path(str(config.get("source", ""))).name,
        f"{fmt(frames.get('processed'))} / {fmt(frames.get('dropped'))}",
        fmt(d.get("fps"), ".1f"),
        f"{fmt(e2e.get('p50'), '.1f')} / {fmt(e2e.get('p95'), '.1f')}",
        fmt(adaptation.get("slo_attainment"), ".3f"),
        fmt(adaptation.get("effective_accuracy"), ".3f"),
        "yes" if d.get("interrupted") else "",
    ]


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    owned_by = owners(context)
    runs = [r for r in context.all("run") if standalone(r, owned_by)]
    if not runs:
        section.missing = "no run folder (summary.json of smartcamrt run or ref-run) was found"
        return section
    newest = runs[0]
    source = Provenance("smartcamrt run / smartcamrt ref-run (each row's folder)", *newest.when(), None)
    headers = [
        "run folder",
        "started",
        "tool",
        "model",
        "runtime",
        "source",
        "processed / dropped",
        "FPS",
        "e2e p50 / p95 ms",
        "SLO attainment",
        "effective accuracy",
        "interrupted",
    ]
    section.tables.append(
        Table(
            f"{KEY}-table",
            f"The newest run folders ({min(len(runs), SHOWN)} of {len(runs)})",
            headers,
            [_row(r) for r in runs[:SHOWN]],
            source,
        )
    )
    return section


def plan(context: Context, out: Path) -> list[Step]:
    return []  # a run is the user's own choice of model and source; nothing to pick for them
