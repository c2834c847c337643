"""One module per report section. Each has KEY, TITLE, FILL_COMMAND (shown when its results are missing),
``build(context) -> Section`` and ``plan(context, out) -> list[Step]`` (what ``--run`` runs when missing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..discover import Result


@dataclass
class Context:
    results: dict[str, list[Result]]
    figures: Path  # folder for the PNGs
    repo: Path
    home: Path  # $SMARTCAMRT_HOME
    full: bool = False  # --run --full: the commands' own settings instead of the cheap ones

    def latest(self, kind: str) -> Result | None:
        found = self.results.get(kind) or []
        return found[0] if found else None

    def all(self, kind: str) -> list[Result]:
        return list(self.results.get(kind) or [])


@dataclass
class Step:
    """A command ``--run`` runs to fill a section: argv, extra environment, and the folder it writes."""

    what: str
    argv: list[str]
    out: Path
    env: dict[str, str] = field(default_factory=dict)


def others_note(
    results: list[Result], what: str, shown: Result | None = None, why: str = "the newest"
) -> list[str]:
    """Which other results of the same kind were found and left out (by default the newest is shown)."""
    shown = shown or (results[0] if results else None)
    others = [r for r in results if r is not shown]
    if not others:
        return []
    listed = ", ".join(str(r.path) for r in others[:5]) + (" ..." if len(others) > 5 else "")
    return [f"{len(results)} {what} found; shown: {why}. Others: {listed}"]


def ordered_modules():
    from . import compression, deployment, machine, models, runs, runtimes, stress

    return [runtimes, models, compression, stress, runs, deployment, machine]
