"""``smartcamrt-tools plot-stress DIR``: ``DIR/stress-timeline.png`` from a ``smartcamrt stress`` folder.

One row per mode, on one time axis: each frame's end-to-end latency (dots) against the SLO line, the
injected load (a step line on a second axis, from the schedule in stress.json), the configuration in
use (a colour band per stretch of one model), drops (ticks along the bottom) and switches (dashed
lines). The host's CPU and ISA flags head the figure: the same schedule loads another CPU differently.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import ToolError
from .canvas import DPI, TIME_LABEL, save
from .run_data import RunData, load_run

TIMELINE_NAME = "stress-timeline.png"
WIDTH_IN = 10.0  # canvas.py's width: 1000 px
HEADER_IN = 1.2  # the suptitle and the time axis label
ROW_IN = 2.8
# Events that change the configuration (the engine's own words for them); others (an ISA warning)
# are not switches.
SWITCH_PREFIXES = ("switch:", "adapt:", "fallback", "failure:")
BAND_COLOURS = ("tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:grey")
STREAM_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")
LOAD_COLOUR = "black"


@dataclass
class StressMode:
    """One mode of a stress folder: its figures from stress.json and each stream's run."""

    name: str
    figures: dict[str, Any]
    runs: list[RunData]
    configurations: list[list[str]]  # per run, per frames.csv row: "runtime/model"


def plot_stress(folder: str | Path, out: str | Path | None = None) -> Path:
    """Draw the timeline of the stress folder; return the PNG's path (default DIR/stress-timeline.png)."""
    folder = Path(folder)
    document, modes = load_stress(folder)
    return save(stress_figure(document, modes), Path(out) if out else folder / TIMELINE_NAME)


def figure_size_px(rows: int) -> tuple[int, int]:
    return int(WIDTH_IN * DPI), int(round((HEADER_IN + ROW_IN * rows) * DPI))


def load_stress(folder: Path) -> tuple[dict[str, Any], list[StressMode]]:
    if not folder.is_dir():
        raise ToolError(f"{folder}: no such stress folder")
    path = folder / "stress.json"
    if not path.is_file():
        raise ToolError(f"{folder}: no stress.json; is this a folder written by smartcamrt stress?")
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ToolError(f"{path}: not readable JSON ({exc})") from None
    entries = document.get("modes") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ToolError(f"{path}: no modes recorded")
    modes = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("stream_folders"), list):
            raise ToolError(f"{path}: a mode without stream_folders")
        runs = [load_run(folder / str(name)) for name in entry["stream_folders"]]
        configurations = [_configurations(run.folder / "frames.csv") for run in runs]
        modes.append(StressMode(str(entry.get("mode", "?")), entry, runs, configurations))
    return document, modes


def stress_figure(document: dict[str, Any], modes: list[StressMode]) -> Figure:
    width, height = figure_size_px(len(modes))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)  # Agg only, as canvas.new_figure: no GUI backend, nothing left open
    axes = figure.subplots(len(modes), 1, sharex=True, squeeze=False)[:, 0]
    config = document.get("config") if isinstance(document.get("config"), dict) else {}
    slo_ms = _number(config.get("slo_ms"))
    end_s = max([_end_s(mode) for mode in modes] + [_number(config.get("duration_s")) or 0.0])
    colours = _band_colours(modes)
    for ax, mode in zip(axes, modes, strict=True):
        _draw_mode(ax, mode, slo_ms, end_s, colours, document.get("schedule"))
    axes[-1].set_xlabel(TIME_LABEL)
    axes[-1].set_xlim(0, end_s if end_s > 0 else 1)
    figure.suptitle(_heading(document, slo_ms), fontsize=10)
    return figure


def _draw_mode(
    ax: Axes, mode: StressMode, slo_ms: float | None, end_s: float, colours: dict[str, str], schedule: Any
) -> None:
    for label, start, stop in _bands(mode, end_s):
        ax.axvspan(start, stop, color=colours[label], alpha=0.15, linewidth=0, label=f"config: {label}")
    latencies = np.concatenate([run.column("e2e_ms") for run in mode.runs])
    finite = latencies[np.isfinite(latencies)]
    top = _top_ms(finite, slo_ms)
    clipped_shown = False
    for index, run in enumerate(mode.runs):
        seconds, e2e = run.column("ts_ms") / 1000.0, run.column("e2e_ms")
        colour = STREAM_COLOURS[index % len(STREAM_COLOURS)]
        name = "end to end" if len(mode.runs) == 1 else f"end to end, stream {index}"
        inside = e2e <= top
        ax.plot(seconds[inside], e2e[inside], ".", markersize=3, color=colour, label=name)
        above = ~inside & np.isfinite(e2e)
        if above.any():  # off the scale: drawn on its edge, not lost
            label = None if clipped_shown else "above the axis (drawn at its top)"
            ax.plot(seconds[above], np.full(above.sum(), top), "^", markersize=4, color=colour, label=label)
            clipped_shown = True
        _mark_drops(ax, run, first=index == 0)
    if slo_ms is not None:
        ax.axhline(slo_ms, color="tab:red", linestyle="--", linewidth=1.2, label=f"SLO {slo_ms:g} ms")
    _mark_switches(ax, mode)
    ax.set_ylim(0, top)
    ax.set_ylabel("latency (ms)")
    ax.grid(alpha=0.3)
    ax.set_title(_title(mode), fontsize=10, loc="left")
    load_ax = ax.twinx()
    _draw_load(load_ax, schedule, end_s)
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = load_ax.get_legend_handles_labels()
    # Right of the plot, clear of the dots; the second axis's labels sit between the two.
    legend = {"loc": "upper left", "bbox_to_anchor": (1.07, 1.0), "fontsize": 7}
    ax.legend(handles + more_handles, labels + more_labels, **legend)


def _draw_load(ax: Axes, schedule: Any, end_s: float) -> None:
    steps = [s for s in schedule if isinstance(s, dict)] if isinstance(schedule, list) else []
    times = [_number(s.get("at_s")) for s in steps]
    levels = [_number(s.get("busy_cores")) for s in steps]
    if not steps or None in times or None in levels:
        ax.set_yticks([])
        return
    times.append(max(end_s, times[-1]))  # the last level holds to the end of the run
    levels.append(levels[-1])
    ax.step(times, levels, where="post", color=LOAD_COLOUR, linewidth=1.5, label="injected load (busy cores)")
    ax.set_ylim(0, max(max(levels), 1.0) * 1.3)
    ax.set_ylabel("busy cores")


def _mark_drops(ax: Axes, run: RunData, *, first: bool) -> None:
    """A tick at the bottom where a row's cumulative `dropped` rose: frames were dropped before it."""
    dropped, seconds = run.column("dropped"), run.column("ts_ms") / 1000.0
    rose = np.diff(np.concatenate([[0.0], np.nan_to_num(dropped)])) > 0
    if rose.any():
        ax.plot(
            seconds[rose],
            np.full(rose.sum(), 0.03),
            "|",
            markersize=8,
            color="tab:red",
            transform=ax.get_xaxis_transform(),  # x in seconds, y in axes fraction: stays at the bottom
            label="frames dropped" if first else None,
        )


def _mark_switches(ax: Axes, mode: StressMode) -> None:
    times = sorted(
        {e.ts_ms / 1000.0 for run in mode.runs for e in run.events if e.text.startswith(SWITCH_PREFIXES)}
    )
    for index, x in enumerate(times):
        ax.axvline(x, color="black", linestyle=":", linewidth=1, label="switch" if index == 0 else None)


def _bands(mode: StressMode, end_s: float) -> list[tuple[str, float, float]]:
    """Stretches of one configuration in the first stream (streams switch together under one budget)."""
    if not mode.runs:
        return []
    seconds = mode.runs[0].column("ts_ms") / 1000.0
    labels = mode.configurations[0]
    bands: list[tuple[str, float, float]] = []
    for index, label in enumerate(labels):
        if not np.isfinite(seconds[index]):
            continue
        if bands and bands[-1][0] == label:
            continue
        if bands:
            bands[-1] = (bands[-1][0], bands[-1][1], float(seconds[index]))
        bands.append((label, float(seconds[index]) if bands else 0.0, end_s))
    return bands


def _band_colours(modes: list[StressMode]) -> dict[str, str]:
    """One colour per configuration across every row, so the same model reads the same everywhere."""
    colours: dict[str, str] = {}
    for mode in modes:
        for labels in mode.configurations[:1]:
            for label in labels:
                colours.setdefault(label, BAND_COLOURS[len(colours) % len(BAND_COLOURS)])
    return colours


def _configurations(path: Path) -> list[str]:
    with open(path, newline="") as file:
        return [f"{row['runtime']}/{row['model']}" for row in csv.DictReader(file)]


def _top_ms(latencies: np.ndarray, slo_ms: float | None) -> float:
    """The latency axis shows the SLO with room above; an overload's seconds-long outliers would
    flatten everything else, so the axis stops at 5x the SLO and marks what lies beyond."""
    highest = float(latencies.max()) * 1.05 if latencies.size else 1.0
    if slo_ms is None:
        return max(highest, 1.0)
    return max(2.0 * slo_ms, min(highest, 5.0 * slo_ms))


def _end_s(mode: StressMode) -> float:
    ends = [float(np.nanmax(run.column("ts_ms"))) / 1000.0 for run in mode.runs if run.has_values("ts_ms")]
    return max(ends + [_number(mode.figures.get("duration_s")) or 0.0])


def _title(mode: StressMode) -> str:
    f = mode.figures
    parts = [mode.name]
    attainment = _number(f.get("slo_attainment"))
    if attainment is not None:
        parts.append(f"SLO attainment {attainment:.3f}")
    e2e = f.get("e2e_ms") if isinstance(f.get("e2e_ms"), dict) else {}
    p95 = _number(e2e.get("p95"))
    if p95 is not None:
        parts.append(f"p95 {p95:.0f} ms")
    parts.append(f"dropped {f.get('dropped', '?')}/{f.get('offered', '?')}")
    parts.append(f"switches {f.get('switches', '?')}")
    return ", ".join(parts)


def _heading(document: dict[str, Any], slo_ms: float | None) -> str:
    host = document.get("host") if isinstance(document.get("host"), dict) else {}
    config = document.get("config") if isinstance(document.get("config"), dict) else {}
    isa = " ".join(str(flag) for flag in host.get("isa") or []) or "no ISA flags read"
    slo = f"SLO {slo_ms:g} ms" if slo_ms is not None else "no SLO"
    return (
        f"smartcamrt stress: {slo}, load {config.get('load', '?')}\n"
        f"{host.get('cpu_model', '?')}, {host.get('cores', '?')} cores, {isa}"
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
