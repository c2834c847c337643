"""``<run_id>-latency.png``: each stage's latency over the run, with switch events marked."""

from __future__ import annotations

from matplotlib.figure import Figure

from .canvas import TIME_LABEL, mark_events, new_figure, no_data, point_style
from .run_data import RunData

STAGES = ("capture_ms", "pre_ms", "infer_ms", "post_ms", "e2e_ms")


def latency_figure(run: RunData) -> Figure:
    figure = new_figure()
    ax = figure.add_subplot()
    seconds = run.column("ts_ms") / 1000.0
    drawn = [stage for stage in STAGES if run.has_values(stage)]
    for stage in drawn:
        width = 2.0 if stage == "e2e_ms" else 1.2  # e2e is the headline; the stages add up under it
        ax.plot(
            seconds,
            run.column(stage),
            label=stage.removesuffix("_ms"),
            linewidth=width,
            **point_style(seconds.size),
        )
    if not drawn:
        no_data(ax, "no latency values in frames.csv")
    mark_events(ax, run.events)
    ax.set_title(f"Per-stage latency over time: {run.label}")
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if drawn or run.events:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="stage")
    return figure
