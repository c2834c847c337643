"""What every figure shares: the Agg canvas, one fixed size, event markers, "no data" notes.

Figures are built from ``matplotlib.figure.Figure`` directly rather than pyplot, so no GUI backend is
ever chosen from the environment and no figure outlives its save (pyplot keeps them all open)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import ToolError
from .run_data import Event

# Fixed size and no bbox_inches="tight", so every PNG is exactly 1000x600 pixels.
FIG_SIZE_IN = (10.0, 6.0)
DPI = 100
PIXELS = (int(FIG_SIZE_IN[0] * DPI), int(FIG_SIZE_IN[1] * DPI))  # (width, height)
TIME_LABEL = "time since run start (s)"
MARKERS_UP_TO = 200  # below this many points, draw markers too: a point between two gaps stays visible


def new_figure() -> Figure:
    figure = Figure(figsize=FIG_SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: Path) -> Path:
    try:
        figure.savefig(path, dpi=DPI, format="png")
    except OSError as exc:
        raise ToolError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def point_style(count: int) -> dict:
    return {"marker": ".", "markersize": 4} if count <= MARKERS_UP_TO else {}


def mark_events(ax: Axes, events: Sequence[Event], *, with_text: bool = True) -> None:
    """A dashed vertical line per event, its text along the line; one legend entry for all. Stacked
    panels pass with_text=False below the first, so the note is not repeated over every panel."""
    for index, event in enumerate(events):
        x = event.ts_ms / 1000.0
        ax.axvline(x, color="black", linestyle="--", linewidth=1, label="event" if index == 0 else None)
        if not with_text:
            continue
        ax.text(
            x,
            0.98,
            f" {event.text}",
            transform=ax.get_xaxis_transform(),  # x in seconds, y in axes fraction: stays at the top
            rotation=90,
            ha="right",
            va="top",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1},
        )


def no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=12, color="grey")


def finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    data = np.sort(finite(values))
    return data, np.arange(1, data.size + 1) / data.size


def percentiles(values: np.ndarray, points: Sequence[int] = (50, 90, 99)) -> dict[int, float]:
    """NumPy's default linear interpolation, as summary.json uses (docs/run-folder.md)."""
    data = finite(values)
    if data.size == 0:
        return {}
    return {p: float(np.percentile(data, p)) for p in points}
