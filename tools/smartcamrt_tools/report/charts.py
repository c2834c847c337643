"""The report's charts: small PNGs drawn with matplotlib's Agg canvas (no GUI backend, no pyplot state)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100
SIZE_IN = (9.0, 4.8)


def _figure(height_in: float = SIZE_IN[1]) -> Figure:
    figure = Figure(figsize=(SIZE_IN[0], height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


FOOTER_CHARS = 160


def _save(figure: Figure, path: Path, footer: str) -> Path:
    # The footer puts the provenance into the picture itself: a PNG passed around alone still says
    # which command made its numbers. The layout keeps a strip free for it at the bottom.
    # When first (Provenance.text puts it there), so that a long command loses its tail, never the time.
    lines = textwrap.wrap(footer, FOOTER_CHARS)
    if len(lines) > 3:
        lines = [*lines[:2], textwrap.shorten(" ".join(lines[2:]), FOOTER_CHARS, placeholder=" ...")]
    strip = (0.04 + 0.13 * len(lines)) / figure.get_figheight()
    figure.get_layout_engine().set(rect=(0, strip, 1, 1 - strip))
    figure.text(0.005, 0.01, "\n".join(lines), fontsize=7, color="dimgray", ha="left", va="bottom")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, format="png")
    return path


def number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _label_offsets(points: Sequence[tuple[float, float]]) -> list[int]:
    """Vertical offsets (points) so that the labels of points close to each other stack, not overlap."""
    xs = [p[0] for p in points] or [0.0]
    ys = [p[1] for p in points] or [0.0]
    dx = (max(xs) - min(xs)) * 0.04 or 1.0
    dy = (max(ys) - min(ys)) * 0.04 or 1.0
    offsets: list[int] = []
    for i, (x, y) in enumerate(points):
        near = sum(1 for j in range(i) if abs(points[j][0] - x) < dx and abs(points[j][1] - y) < dy)
        offsets.append(4 + 9 * near)
    return offsets


def bars(
    path: Path,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    xlabel: str,
    footer: str,
    log: bool = False,
) -> Path:
    """Horizontal grouped bars, one group per label (first label on top); ``log`` for values that span
    decades (a detector's milliseconds next to an LSTM's tenths)."""
    height = max(2.6, 0.9 + 0.32 * len(labels) * max(1, len(series)))
    figure = _figure(height)
    ax = figure.add_subplot()
    count = max(1, len(series))
    width = 0.8 / count
    for index, (name, values) in enumerate(series.items()):
        ys = [i + (index - (count - 1) / 2) * width for i in range(len(labels))]
        xs = [v if v is not None else 0.0 for v in values]
        drawn = ax.barh(ys, xs, height=width, label=name)
        ax.bar_label(drawn, labels=[number(v) for v in values], fontsize=7, padding=2)
    if log:
        ax.set_xscale("log")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.12)
    ax.grid(axis="x", alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside: never over a bar
    return _save(figure, path, footer)


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats: lower x (latency) and higher y (accuracy), in x order."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front: list[int] = []
    best = float("-inf")
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def scatter(
    path: Path,
    points: Sequence[tuple[float, float]],
    labels: Sequence[str],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    footer: str,
    sizes: Sequence[float] | None = None,
    size_label: str = "",
    front: bool = False,
) -> Path:
    """Numbered points with a key beside the plot (long labels next to close points would overlap); with
    ``front`` the Pareto front (faster and more accurate) joined by a line."""
    figure = _figure()
    ax, key = figure.subplots(1, 2, width_ratios=[3, 2])
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    marker_sizes = [30 + 25 * s for s in sizes] if sizes else [40] * len(points)
    ax.scatter(xs, ys, s=marker_sizes, alpha=0.7, color="tab:blue", edgecolor="black", linewidth=0.5)
    for index, (x, y, offset) in enumerate(zip(xs, ys, _label_offsets(points), strict=True), 1):
        ax.annotate(
            str(index), (x, y), textcoords="offset points", xytext=(5, offset), fontsize=8, fontweight="bold"
        )
    indices = pareto_front(points) if front and points else []
    if len(indices) > 1:
        ax.plot(
            [xs[i] for i in indices],
            [ys[i] for i in indices],
            color="tab:red",
            linewidth=1.2,
            label="Pareto front (nothing both\nfaster and more accurate)",
        )
        ax.legend(fontsize=7, loc="best")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.margins(0.15)
    key.axis("off")
    entries = [f"{i}  {textwrap.shorten(label, 58)}" for i, label in enumerate(labels, 1)]
    if sizes:
        entries += ["", f"marker area: {size_label}"]
    key.text(
        0.0,
        1.0,
        "\n".join(entries),
        transform=key.transAxes,
        fontsize=7.5,
        va="top",
        ha="left",
        family="monospace",
    )
    return _save(figure, path, footer)
