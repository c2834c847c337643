"""``smartcamrt-tools plot``: PNG figures from run folders (docs/run-folder.md) written by
``smartcamrt run`` or ``smartcamrt-tools ref-run``: latency over time, latency CDFs, FPS and drops,
resources, and comparisons across runs. Matplotlib's Agg canvas only, so it works without a display."""

from ..errors import ToolError

try:
    import matplotlib  # noqa: F401  (only this command needs it; say how to get it, not a traceback)
except ModuleNotFoundError:
    raise ToolError("matplotlib is not installed; pip install matplotlib") from None

from .render import plot_runs  # noqa: E402

__all__ = ["plot_runs"]
