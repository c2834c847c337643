"""``<run_id>-resources.png``: CPU, memory and GPU over the run, one panel each, sharing the time axis."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .canvas import TIME_LABEL, mark_events, new_figure, no_data, point_style
from .run_data import RunData


def resources_figure(run: RunData) -> Figure:
    figure = new_figure()
    cpu_ax, rss_ax, gpu_ax = figure.subplots(3, 1, sharex=True)
    seconds = run.column("ts_ms") / 1000.0
    style = point_style(seconds.size)

    _lines(
        cpu_ax,
        run,
        seconds,
        style,
        "CPU (%)",
        "no CPU data",
        [
            ("cpu_proc_pct", "process (% of one core)", "tab:blue"),
            ("cpu_sys_pct", "system (% of all cores)", "tab:grey"),
        ],
    )
    cpu_ax.set_title("CPU")
    _lines(
        rss_ax,
        run,
        seconds,
        style,
        "RSS (MiB)",
        "no memory data",
        [("rss_mb", "resident set size", "tab:purple")],
    )
    rss_ax.set_title("Memory")

    has_gpu = run.has_values("gpu_util_pct") or run.has_values("gpu_mem_mb")
    if has_gpu:
        _lines(
            gpu_ax,
            run,
            seconds,
            style,
            "GPU util (%)",
            "no GPU utilisation data",
            [("gpu_util_pct", "GPU utilisation", "tab:green")],
        )
        mem_ax = gpu_ax.twinx()
        _lines(
            mem_ax, run, seconds, style, "GPU memory (MiB)", "", [("gpu_mem_mb", "GPU memory", "tab:olive")]
        )
        _merge_legends(gpu_ax, mem_ax)
        gpu_ax.set_title("GPU")
    else:
        # Kept as a panel so every resources figure has the same layout; the note says why it is empty.
        no_data(gpu_ax, "no GPU data (gpu_util_pct / gpu_mem_mb empty)")
        gpu_ax.set_ylabel("GPU")
        gpu_ax.set_yticks([])
        gpu_ax.set_title("GPU: no GPU data")
    gpu_ax.set_xlabel(TIME_LABEL)
    for ax in (cpu_ax, rss_ax, gpu_ax):
        mark_events(ax, run.events, with_text=ax is cpu_ax)
        ax.grid(alpha=0.3)
    figure.suptitle(f"Resources over time: {run.label}")
    return figure


def _lines(
    ax: Axes,
    run: RunData,
    seconds: np.ndarray,
    style: dict,
    ylabel: str,
    empty: str,
    series: list[tuple[str, str, str]],
) -> None:
    drawn = False
    for column, label, colour in series:
        if run.has_values(column):
            ax.plot(seconds, run.column(column), label=label, color=colour, **style)
            drawn = True
    ax.set_ylabel(ylabel)
    if drawn:
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8)
    elif empty:
        no_data(ax, empty)


def _merge_legends(ax: Axes, twin: Axes) -> None:
    """One legend for an axis and its twin (each would otherwise draw its own, overlapping)."""
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = twin.get_legend_handles_labels()
    for axis in (ax, twin):
        if axis.get_legend() is not None:
            axis.get_legend().remove()
    if handles or more_handles:
        ax.legend(
            handles + more_handles,
            labels + more_labels,
            loc="upper left",
            bbox_to_anchor=(1.08, 1.0),
            fontsize=8,
        )
