"""``smartcamrt-tools plot``: every figure for the given run folders, written as PNGs into one folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from ..errors import ToolError
from .canvas import save
from .cdf import cdf_figure
from .compare import compare_latency_figure, compare_summary_figure
from .fps import fps_figure
from .latency import latency_figure
from .resources import resources_figure
from .run_data import RunData, load_run, safe_name

PER_RUN: tuple[tuple[str, Callable[[RunData], Figure]], ...] = (
    ("latency", latency_figure),
    ("cdf", cdf_figure),
    ("fps", fps_figure),
    ("resources", resources_figure),
)


def plot_runs(run_folders: Sequence[str | Path], out: str | Path) -> list[Path]:
    """Write the per-run figures (and the comparisons for 2+ runs); return the paths in write order."""
    if not run_folders:
        raise ToolError("no run folders given")
    runs = [load_run(folder) for folder in run_folders]  # every input checked before anything is written
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolError(f"cannot create --out {out}: {exc.strerror or exc}") from None
    written = []
    for run, prefix in zip(runs, _prefixes(runs), strict=True):
        for name, draw in PER_RUN:
            written.append(save(draw(run), out / f"{prefix}-{name}.png"))
    if len(runs) >= 2:
        written.append(save(compare_latency_figure(runs), out / "compare-latency.png"))
        written.append(save(compare_summary_figure(runs), out / "compare-summary.png"))
    return written


def _prefixes(runs: Sequence[RunData]) -> list[str]:
    """File prefixes from run ids. A repeated id (the same run given twice, a copied folder) gets
    ``-2``, ``-3``, so no figure overwrites another; "compare" is taken by the comparison figures."""
    taken = {"compare"}
    prefixes = []
    for run in runs:
        base = prefix = safe_name(run.run_id)
        count = 1
        while prefix in taken:
            count += 1
            prefix = f"{base}-{count}"
        taken.add(prefix)
        prefixes.append(prefix)
    return prefixes
