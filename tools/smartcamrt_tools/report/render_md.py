"""report.md: the same sections in Markdown, charts as the PNG files beside it (figures/)."""

from __future__ import annotations

import os
from pathlib import Path

from .model import Provenance, Section, Table


def text(value: str) -> str:
    """Prose from a result file: no HTML gets through (Markdown passes inline HTML on to the page)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(value: str) -> str:
    """A table cell: also a '|' or a line break from a result file must not split the row."""
    value = text(value).replace("\\", "\\\\").replace("|", "\\|")
    return value.replace("\r", " ").replace("\n", " ")


def _code(code: str) -> str:
    ticks = "``" if "`" in code else "`"
    return f"{ticks}{code.replace(chr(10), ' ')}{ticks}"


def _source(provenance: Provenance | None) -> str:
    if provenance is None:
        return ""
    when = provenance.when.strftime("%Y-%m-%d %H:%M UTC") if provenance.when else "unknown time"
    where = f"; file {_code(str(provenance.path))}" if provenance.path else ""
    return f"*{provenance.verb} {_code(provenance.command)}, {when} ({provenance.when_from}){where}.*"


def _table(table: Table) -> list[str]:
    lines = [
        f"**{cell(table.caption)}**",
        "",
        "| " + " | ".join(cell(h) for h in table.headers) + " |",
        "|" + "---|" * len(table.headers),
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, "", _source(table.source), ""]


def render_md(sections: list[Section], out_dir: Path, *, generated: str, roots: list[str]) -> str:
    where = ", ".join(_code(r) for r in roots) or "nowhere (no RESULT_DIR and --no-defaults)"
    lines = [
        "# SmartCamRT report",
        "",
        f"Made {generated} by `smartcamrt report`. Results looked for in: {where}.",
        "",
    ]
    lines += [
        f"{i}. [{s.title}](#{s.key}){' (missing)' if s.is_missing else ''}" for i, s in enumerate(sections, 1)
    ]
    for section in sections:
        lines += ["", f'<a id="{section.key}"></a>', "", f"## {section.title}", ""]
        if section.is_missing:
            lines += [
                f"> **Missing:** {text(section.missing)}. The command that fills it: "
                f"{_code(section.fill_command)} "
                + (
                    "(or `smartcamrt report --run`, which runs it with cheap settings)."
                    if section.runnable
                    else "(`smartcamrt report --run` has no step for it here: its inputs are missing, "
                    "or it is not a cheap step)."
                ),
                "",
            ]
        for note in section.notes:
            lines += [text(note), ""]
        for figure in section.figures:
            relative = Path(os.path.relpath(figure.png, out_dir)).as_posix()
            lines += [
                f"![{cell(figure.caption)}]({relative})",
                "",
                f"{text(figure.caption)}. {_source(figure.source)}",
                "",
            ]
        for table in section.tables:
            lines += _table(table)
    return "\n".join(lines).rstrip() + "\n"
