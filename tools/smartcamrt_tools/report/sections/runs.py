"""Run folders: the newest ``smartcamrt run`` / ``ref-run`` folders found (summary.json), one row each.
Folders that belong to another section are left to it: a stress mode's (stress.json above it) and an
emulated Pi run's (emulation.json beside it)."""

from __future__ import annotations

from pathlib import Path

from ..discover import Result, run_id_time
from ..model import Provenance, Section, Table, fmt
from . import Context, Step

KEY = "runs"
TITLE = "Run folders"
FILL_COMMAND = "smartcamrt run --model MODEL --source SOURCE [--slo-ms MS]"
SHOWN = 15


def standalone(result: Result) -> bool:
    folder = result.path.parent
    if (folder / "emulation.json").is_file():
        return False
    return not any((parent / "stress.json").is_file() for parent in (folder.parent, folder.parent.parent))


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
    runs = [r for r in context.all("run") if standalone(r)]
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
