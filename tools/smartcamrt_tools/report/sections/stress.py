"""The optimizer under load: ``smartcamrt stress`` (stress.json: static heaviest, static lightest and
adaptive under one injected CPU load; the timeline from the modes' run folders) and the device profile
the adaptive mode chose from (``smartcamrt profile``, $SMARTCAMRT_HOME/profiles)."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from ...errors import ToolError
from .. import charts
from ..discover import Result, run_id_time
from ..model import Figure, Provenance, Section, Table, fmt
from . import Context, Step, others_note

KEY = "stress"
TITLE = "The optimizer under load"
FILL_COMMAND = (
    "smartcamrt stress --model ~/.cache/smartcamrt/models/yolov5n-640.onnx --source "
    "$SMARTCAMRT_ASSETS/video/vtest.avi --duration 60 --slo-ms 100 --load 0s:0,10s:3,40s:0"
)
CHEAP_DURATION_S = 20


def stress_command(config: dict) -> str:
    argv = ["smartcamrt", "stress", "--model", str(config.get("model", "?"))]
    for source in config.get("sources") or []:
        argv += ["--source", str(source)]
    for key, flag in (
        ("duration_s", "--duration"),
        ("slo_ms", "--slo-ms"),
        ("load", "--load"),
        ("threads", "--threads"),
        ("streams", "--streams"),
        ("runtime", "--runtime"),
        ("heavy", "--heavy"),
        ("light", "--light"),
        ("profile", "--profile"),
    ):
        value = config.get(key)
        if value in (None, "") or (key == "streams" and value == 1):
            continue
        if key == "heavy" and value == config.get("model"):
            continue  # the default
        argv += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return shlex.join(argv)


def _provenance(result: Result) -> Provenance:
    modes = result.data.get("modes") or []
    started = run_id_time(str(modes[0].get("run_id", ""))) if modes else None
    command = stress_command(result.data.get("config") or {})
    if started:
        return Provenance(command, started, "first mode's start", result.path)
    return Provenance(command, *result.when(), result.path)


def _reaction(mode: dict) -> str:
    parts = []
    for r in mode.get("reaction") or []:
        at, value = r.get("at_s"), r.get("reaction_s")
        reaction = "never" if value is None else fmt(value, "g") + " s"
        parts.append(f"{fmt(at, 'g')}s: {reaction}")
    return "; ".join(parts)


def _configurations(mode: dict) -> str:
    items = mode.get("configurations") or {}
    return ", ".join(f"{name} ({count})" for name, count in items.items())


def _stress_tables(result: Result, source: Provenance) -> Table:
    headers = [
        "mode",
        "configurations (items)",
        "SLO attainment",
        "e2e p50 / p95 / p99 ms",
        "dropped / offered",
        "effective accuracy",
        "switches",
        "reaction after each load rise",
        "lost to switching",
    ]
    rows = []
    for mode in result.data["modes"]:
        e2e = mode.get("e2e_ms") or {}
        rows.append(
            [
                fmt(mode.get("mode")),
                _configurations(mode),
                fmt(mode.get("slo_attainment"), ".3f"),
                " / ".join(fmt(e2e.get(p), ".1f") for p in ("p50", "p95", "p99")),
                f"{fmt(mode.get('dropped'))} / {fmt(mode.get('offered'))}",
                f"{fmt(mode.get('effective_accuracy'), '.3f')} {fmt(mode.get('accuracy_metric'))}".strip(),
                fmt(mode.get("switches")),
                _reaction(mode),
                fmt(mode.get("lost_to_switching")),
            ]
        )
    return Table(
        f"{KEY}-table",
        "Static heaviest vs static lightest vs adaptive under the same load",
        headers,
        rows,
        source,
    )


def _timeline(context: Context, result: Result, section: Section, source: Provenance) -> None:
    png = context.figures / "stress-timeline.png"
    try:
        from ...plot.stress import plot_stress  # the same drawing as `smartcamrt-tools plot-stress`

        plot_stress(result.path.parent, png)
    except (ToolError, OSError, KeyError, ValueError) as exc:
        existing = result.path.parent / "stress-timeline.png"
        if not existing.is_file():
            section.notes.append(
                f"No timeline: the modes' run folders are not readable beside {result.path} ({exc})."
            )
            return
        png.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(existing, png)
    section.figures.append(
        Figure(
            f"{KEY}-timeline",
            "Timeline: latency against the SLO, the injected load and the model in use, per mode",
            png,
            source,
        )
    )


def _profile_table(result: Result) -> Table:
    source = result.provenance("smartcamrt profile")
    headers = [
        "configuration",
        "runtime",
        "threads",
        "precision",
        "input",
        "infer p50 ms",
        "infer p95 ms",
        "e2e p50 ms",
        "CPU %",
        "RSS MiB",
        "accuracy",
    ]
    rows = []
    for c in result.data.get("configurations") or []:
        accuracy = c.get("accuracy")
        rows.append(
            [
                fmt(c.get("id")),
                fmt(c.get("runtime")),
                fmt(c.get("threads")),
                fmt(c.get("precision")),
                fmt(c.get("input")),
                fmt(c.get("infer_p50_ms"), ".2f"),
                fmt(c.get("infer_p95_ms"), ".2f"),
                fmt(c.get("e2e_p50_ms"), ".2f"),
                fmt(c.get("cpu_pct"), ".0f"),
                fmt(c.get("rss_mb"), ".0f"),
                f"{fmt(accuracy, '.4f')} {fmt(c.get('accuracy_metric'))}".strip()
                if accuracy is not None
                else "",
            ]
        )
    host = result.data.get("host") or {}
    caption = (
        f"Device profile {result.path.name}: every configuration measured on "
        f"{host.get('cpu_model', '?')} ({host.get('cores', '?')} cores)"
    )
    return Table(f"{KEY}-profile", caption, headers, rows, source)


def _profile_used(context: Context, stress: Result | None) -> Result | None:
    """The profile the shown stress run's adaptive mode used when it is among those found, else the newest."""
    profiles = context.all("profile")
    used = str((stress.data.get("config") or {}).get("profile", "")) if stress else ""
    for profile in profiles:
        if used and str(profile.path) == used:
            return profile
    return profiles[0] if profiles else None


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    result = context.latest("stress")
    profile = _profile_used(context, result)
    if result is None:
        section.missing = "no smartcamrt stress result (stress.json) was found"
    else:
        source = _provenance(result)
        config = result.data.get("config") or {}
        host = result.data.get("host") or {}
        section.notes.append(
            f"SLO {fmt(config.get('slo_ms'), 'g')} ms end to end; load (busy cores over time) "
            f"{config.get('load', '?')}; {fmt(config.get('duration_s'), 'g')} s per mode; "
            f"{fmt(config.get('streams'))} stream(s), {fmt(config.get('threads'))} threads; host "
            f"{host.get('cpu_model', '?')}, {host.get('cores', '?')} cores, ISA "
            f"{' '.join(host.get('isa') or [])}."
        )
        if result.data.get("interrupted"):
            section.notes.append(
                "This stress run was interrupted: its figures cover only part of the schedule."
            )
        section.tables.append(_stress_tables(result, source))
        modes = result.data["modes"]
        section.figures.append(
            Figure(
                f"{KEY}-slo",
                "SLO attainment and effective accuracy per mode",
                charts.bars(
                    context.figures / "stress-slo.png",
                    [str(m.get("mode")) for m in modes],
                    {
                        "SLO attainment": [m.get("slo_attainment") for m in modes],
                        "effective accuracy": [m.get("effective_accuracy") for m in modes],
                    },
                    title="SLO attainment and effective accuracy (higher is better)",
                    xlabel="SLO attainment: share of items within the SLO; effective accuracy: in its "
                    "metric (table below)",
                    footer=source.text(),
                ),
                source,
            )
        )
        _timeline(context, result, section, source)
        section.notes += others_note(context.all("stress"), "stress results")
    if profile is not None:
        section.tables.append(_profile_table(profile))
        others = [str(p.path) for p in context.all("profile") if p is not profile]
        if others:
            why = (
                "the one the stress run used"
                if result and str(profile.path) == str((result.data.get("config") or {}).get("profile"))
                else "the newest"
            )
            section.notes.append(
                f"{len(others) + 1} device profiles found; shown: {why}. Others: "
                + ", ".join(others[:5])
                + (" ..." if len(others) > 5 else "")
            )
    elif result is not None:
        section.notes.append(
            "No device profile found: `smartcamrt profile` writes one into $SMARTCAMRT_HOME/profiles."
        )
    return section


def plan(context: Context, out: Path) -> list[Step]:
    model = context.home / "models" / "yolov5n-640.onnx"
    video = (
        Path(os.environ.get("SMARTCAMRT_ASSETS", context.repo.parent / "shared/assets")) / "video/vtest.avi"
    )
    if not model.is_file() or not video.is_file():
        return []
    argv = [
        str(context.repo / "build" / "smartcamrt"),
        "stress",
        "--model",
        str(model),
        "--source",
        str(video),
        "--duration",
        "60" if context.full else str(CHEAP_DURATION_S),
        "--slo-ms",
        "100",
        "--load",
        "0s:0,10s:3,40s:0" if context.full else "0s:0,5s:2,15s:0",
        "--out",
        str(out / "stress"),
    ]
    what = "stress (60 s per mode)" if context.full else f"stress (cheap: {CHEAP_DURATION_S} s per mode)"
    return [Step(what, argv, out / "stress")]
