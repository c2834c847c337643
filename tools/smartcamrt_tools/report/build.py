"""``smartcamrt report``: find the results, build each section, write report.html and report.md."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ToolError
from .discover import discover
from .model import Section
from .render_html import render_html
from .render_md import render_md
from .sections import Context, ordered_modules

REPO = Path(__file__).resolve().parents[3]


def smartcamrt_home() -> Path:
    return Path(os.environ.get("SMARTCAMRT_HOME") or Path.home() / ".cache" / "smartcamrt")


def default_roots(repo: Path = REPO) -> list[Path]:
    """Where the benchmark commands leave results by default: the repo's runs/ and the cache."""
    home = smartcamrt_home()
    return [repo / "runs", home / "profiles", home / "compression", home / "models", home / "runs"]


@dataclass
class ReportOptions:
    out: Path
    result_dirs: list[Path] = field(default_factory=list)
    use_defaults: bool = True
    run_missing: bool = False
    full: bool = False  # with run_missing: the commands' own settings
    repo: Path = REPO


def _roots(options: ReportOptions) -> list[Path]:
    for path in options.result_dirs:
        if not path.exists():
            raise ToolError(f"{path}: no such result folder or file")
    return [*options.result_dirs, *(default_roots(options.repo) if options.use_defaults else [])]


def build_sections(
    roots: list[Path], figures: Path, repo: Path, full: bool = False
) -> tuple[list[Section], Context]:
    context = Context(discover(roots), figures, repo, smartcamrt_home(), full)
    sections = []
    for module in ordered_modules():
        try:
            section = module.build(context)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            # A result of an older or newer shape must not take the whole report down: the section says so.
            section = Section(module.KEY, module.TITLE, module.FILL_COMMAND)
            section.missing = f"its result could not be read ({type(exc).__name__}: {exc})"
        # plan() only looks for its inputs; the folder is where --run would write
        section.runnable = section.is_missing and bool(module.plan(context, figures.parent / "results"))
        sections.append(section)
    return sections, context


def make_report(options: ReportOptions) -> tuple[Path, Path, list[Section]]:
    out = options.out
    if out.exists() and not out.is_dir():
        raise ToolError(f"--out {out}: exists and is not a folder")
    figures = out / "figures"
    try:
        figures.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolError(f"--out {out}: cannot create ({exc.strerror or exc})") from None
    for old in figures.glob("*.png"):  # a figure left from an earlier report must not pass for this one's
        old.unlink()
    roots = _roots(options)
    sections, context = build_sections(roots, figures, options.repo, options.full)
    if options.run_missing:
        from .run_missing import run_missing

        produced = run_missing(sections, context, out / "results")
        if produced:
            roots = [*roots, out / "results"]
            sections, _ = build_sections(roots, figures, options.repo)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    shown = [str(r) for r in roots]
    html_path, md_path = out / "report.html", out / "report.md"
    html_path.write_text(render_html(sections, generated=generated, roots=shown), encoding="utf-8")
    md_path.write_text(render_md(sections, out, generated=generated, roots=shown), encoding="utf-8")
    return html_path, md_path, sections
