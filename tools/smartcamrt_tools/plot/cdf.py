"""``<run_id>-cdf.png``: latency distribution of infer and e2e, p50/p90/p99 marked on each curve."""

from __future__ import annotations

from matplotlib.figure import Figure

from .canvas import ecdf, new_figure, no_data, percentiles
from .run_data import RunData

SERIES = (("infer_ms", "infer", "tab:green"), ("e2e_ms", "e2e", "tab:red"))
MARKERS = {50: "o", 90: "s", 99: "^"}


def cdf_figure(run: RunData) -> Figure:
    figure = new_figure()
    ax = figure.add_subplot()
    drawn = False
    for column, name, colour in SERIES:
        values, fraction = ecdf(run.column(column))
        if values.size == 0:
            continue
        drawn = True
        marks = percentiles(run.column(column))
        text = " / ".join(f"{v:.1f}" for v in marks.values())
        ax.step(values, fraction, where="post", color=colour, label=f"{name} (p50/p90/p99 {text} ms)")
        for p, value in marks.items():
            ax.plot(value, p / 100, MARKERS[p], color=colour, markersize=7, markeredgecolor="black")
            ax.annotate(
                f"p{p} {value:.1f}",
                (value, p / 100),
                textcoords="offset points",
                xytext=(6, -10),
                fontsize=8,
                color=colour,
            )
    if not drawn:
        no_data(ax, "no infer_ms / e2e_ms values in frames.csv")
    ax.set_title(f"Latency CDF: {run.label}")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("fraction of frames")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(loc="lower right")
    return figure
