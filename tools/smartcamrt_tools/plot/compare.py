"""Figures across runs: ``compare-latency.png`` (CDFs overlaid) and ``compare-summary.png`` (e2e
percentiles side by side). Percentiles come from each frames.csv, so runs without summary.json compare too."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .canvas import ecdf, new_figure, no_data, percentiles
from .run_data import RunData

POINTS = (50, 90, 99)


def compare_latency_figure(runs: Sequence[RunData]) -> Figure:
    figure = new_figure()
    axes = figure.subplots(1, 2, sharey=True)
    for ax, (column, name) in zip(axes, (("e2e_ms", "end-to-end"), ("infer_ms", "inference")), strict=True):
        drawn = False
        for run in runs:
            values, fraction = ecdf(run.column(column))
            if values.size:
                ax.step(values, fraction, where="post", linewidth=1.5, label=run.label)
                drawn = True
        if not drawn:
            no_data(ax, f"no {column} values")
        ax.set_title(f"{name} ({column})")
        ax.set_xlabel("latency (ms)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of frames")
    axes[0].set_ylim(0, 1.02)
    figure.suptitle(f"Latency CDF, {len(runs)} runs")
    # One legend for both panels (same runs, same colours), under them where it covers no curve.
    handles, labels = axes[0].get_legend_handles_labels()
    if not handles:
        handles, labels = axes[1].get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 3), fontsize=9)
    return figure


def compare_summary_figure(runs: Sequence[RunData]) -> Figure:
    figure = new_figure()
    ax = figure.add_subplot()
    positions = np.arange(len(runs))
    width = 0.8 / len(POINTS)
    marks = [percentiles(run.column("e2e_ms"), POINTS) for run in runs]
    for index, p in enumerate(POINTS):
        # A run without e2e values gets no bar (NaN), not a zero-height one that reads as "instant".
        heights = [m.get(p, np.nan) for m in marks]
        bars = ax.bar(positions + (index - 1) * width, heights, width, label=f"p{p}")
        ax.bar_label(bars, fmt="%.1f", fontsize=8, padding=2)
    ax.set_xticks(
        positions,
        [f"{run.model}/{run.runtime}\n({run.run_id})" for run in runs],
        fontsize=8 if len(runs) <= 4 else 7,
        rotation=0 if len(runs) <= 4 else 20,
    )
    ax.set_title(f"End-to-end latency percentiles (e2e_ms), {len(runs)} runs")
    ax.set_xlabel("run (model/runtime, run id)")
    ax.set_ylabel("e2e latency (ms)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title="percentile", loc="upper left")
    if not any(marks):
        no_data(ax, "no e2e_ms values in any run")
    ax.margins(y=0.12)  # room for the value labels above the tallest bar
    return figure
