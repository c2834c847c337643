"""``<run_id>-fps.png``: frames completed per 1-s window, with cumulative dropped frames alongside."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from .canvas import TIME_LABEL, mark_events, new_figure, no_data
from .run_data import RunData

WINDOW_S = 1.0


def fps_windows(run: RunData) -> tuple[np.ndarray, np.ndarray]:
    """Window edges (s) and frames completed in each. A frame completes at capture + e2e; frames
    without both times are left out rather than placed at a guessed time."""
    done = (run.column("ts_ms") + run.column("e2e_ms")) / 1000.0
    done = done[np.isfinite(done)]
    if done.size == 0:
        return np.zeros(0), np.zeros(0)
    last = max(math.floor(done.max() / WINDOW_S) + 1, 1)
    edges = np.arange(last + 1) * WINDOW_S
    counts, _ = np.histogram(done, bins=edges)
    return edges, counts / WINDOW_S


def fps_figure(run: RunData) -> Figure:
    figure = new_figure()
    ax = figure.add_subplot()
    edges, fps = fps_windows(run)
    if fps.size:
        # The run ends inside its last window, so that window's count is low by construction: draw it
        # apart instead of letting it read as a slowdown.
        ax.stairs(
            fps[:-1], edges[:-1], color="tab:blue", linewidth=2, baseline=None, label="FPS (1-s windows)"
        )
        ax.stairs(
            fps[-1:],
            edges[-2:],
            color="tab:blue",
            linewidth=1,
            linestyle=":",
            baseline=None,
            label="last window (run ends inside it)",
        )
        if fps.size == 1:
            no_data(ax, "run shorter than one 1-s window: its count is not a rate")
    else:
        no_data(ax, "no ts_ms + e2e_ms values in frames.csv")
    summary_fps = run.summary.get("fps")
    if isinstance(summary_fps, int | float):
        ax.axhline(
            summary_fps,
            color="grey",
            linestyle="--",
            linewidth=1,
            label=f"mean FPS (summary.json) {summary_fps:.2f}",
        )
    mark_events(ax, run.events)
    ax.set_title(f"Throughput over time: {run.label}")
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("FPS (frames completed per 1-s window)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)

    dropped_ax = ax.twinx()
    seconds = run.column("ts_ms") / 1000.0
    dropped = run.column("dropped")
    shown = np.isfinite(seconds) & np.isfinite(dropped)
    if shown.any():
        dropped_ax.step(
            seconds[shown],
            dropped[shown],
            where="post",
            color="tab:orange",
            label="dropped frames (cumulative)",
        )
        top = max(float(dropped[shown].max()), 1.0)  # a run without drops still gets a readable axis
        dropped_ax.set_ylim(0, top * 1.15)
    dropped_ax.set_ylabel("dropped frames (cumulative)")
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = dropped_ax.get_legend_handles_labels()
    if handles or more_handles:
        # below the plot: inside, it would cover the drop steps or the FPS line
        ax.legend(
            handles + more_handles,
            labels + more_labels,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncols=3,
            fontsize=9,
        )
    return figure
