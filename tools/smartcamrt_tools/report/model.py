"""What a report is made of: sections holding tables and figures, each with where it came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Provenance:
    """Which command produced a result and when. ``when_from`` says whether the time is the result's own
    record or only its file's modification time (a copied file keeps the copy's time)."""

    command: str
    when: dt.datetime | None
    when_from: str  # "recorded" | "file time" | "now"
    path: Path | None = None
    verb: str = "Produced by"  # "Measured with" / "From" for figures published in the docs

    def text(self) -> str:
        """One plain line, for a chart's footer."""
        when = self.when.strftime("%Y-%m-%d %H:%M UTC") if self.when else "unknown time"
        where = f"; {self.path}" if self.path else ""
        return f"{when} ({self.when_from}). {self.verb}: {self.command}{where}"


@dataclass
class Table:
    key: str  # stable id in the HTML (section key + table name), what the tests look for
    caption: str
    headers: list[str]
    rows: list[list[str]]
    source: Provenance | None = None


@dataclass
class Figure:
    key: str
    caption: str
    png: Path
    source: Provenance | None = None


@dataclass
class Section:
    key: str
    title: str
    fill_command: str  # the command that produces this section's results
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: str | None = None  # set when no result was found: what is missing
    runnable: bool = False  # when missing: whether `report --run` has a step for it here

    @property
    def is_missing(self) -> bool:
        return self.missing is not None


def fmt(value: object, spec: str = "") -> str:
    """A cell: '' for None, numbers formatted by ``spec``, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if spec and isinstance(value, int | float):
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            return str(value)
    return str(value)
