"""Published figures kept in a docs page (Markdown tables under a heading), for sections whose results
live there rather than in a result file. Cells lose their Markdown emphasis; the page is the source."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

from ..model import Provenance, Table

_HEADING = re.compile(r"^(#{2,4})\s+(.*)$")


def _cells(line: str) -> list[str]:
    inner = line.strip().strip("|")
    return [re.sub(r"\*\*|`", "", cell).strip() for cell in inner.split("|")]


def _changed(repo: Path, page: Path) -> tuple[dt.datetime | None, str]:
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "log", "-1", "--format=%cI", "--", str(page)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    if out:
        return dt.datetime.fromisoformat(out).astimezone(dt.UTC), "page last committed"
    if page.is_file():
        return dt.datetime.fromtimestamp(page.stat().st_mtime, dt.UTC), "file time"
    return None, "unknown"


def tables_under(
    repo: Path, page: Path, heading_contains: str, key: str, command: str, verb: str = "Measured with"
) -> list[Table]:
    """Every Markdown table below the first heading containing ``heading_contains``, up to the next
    heading of the same or a higher level."""
    if not page.is_file():
        return []
    lines = page.read_text(errors="replace").splitlines()
    when, when_from = _changed(repo, page)
    source = Provenance(command, when, f"published in {page.name}, {when_from}", page, verb)
    tables: list[Table] = []
    level = 0
    heading = ""
    index = 0
    while index < len(lines):
        match = _HEADING.match(lines[index])
        if match:
            if level and len(match.group(1)) <= level:
                break
            if not level and heading_contains in match.group(2):
                level, heading = len(match.group(1)), match.group(2)
        elif level and lines[index].startswith("|") and index + 1 < len(lines) and "---" in lines[index + 1]:
            headers = _cells(lines[index])
            rows = []
            index += 2
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(_cells(lines[index]))
                index += 1
            caption = f"{heading} (table {len(tables) + 1}, from {page.name})"
            tables.append(Table(f"{key}-{len(tables) + 1}", caption, headers, rows, source))
            continue
        index += 1
    return tables
