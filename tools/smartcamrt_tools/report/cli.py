"""``smartcamrt-tools report`` (and ``smartcamrt report``): argument parsing only."""

from __future__ import annotations

import argparse
from pathlib import Path


def _report(args: argparse.Namespace) -> int:
    from ..errors import ToolError
    from .build import ReportOptions, make_report  # matplotlib is slow to import: only this command pays

    if args.full and not args.run:
        raise ToolError("--full: only with --run (it sets how the missing results are measured)")

    options = ReportOptions(
        out=Path(args.out),
        result_dirs=[Path(p) for p in args.result_dirs],
        use_defaults=not args.no_defaults,
        run_missing=args.run,
        full=args.full,
    )
    html_path, md_path, sections = make_report(options)
    for section in sections:
        state = (
            f"missing: {section.fill_command}"
            if section.is_missing
            else (f"{len(section.tables)} table(s), {len(section.figures)} figure(s)")
        )
        print(f"{section.title}: {state}")
    print(md_path)
    print(html_path)  # the last line is the HTML report, for scripts
    return 0


def add_report_command(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="gather benchmark results into one report (report.html, self-contained; report.md + PNGs)",
        description="Finds result files by content in RESULT_DIRs and the default places (the repo's runs/, "
        "$SMARTCAMRT_HOME), and writes DIR/report.html and DIR/report.md (docs/report.md).",
    )
    report.add_argument("result_dirs", nargs="*", metavar="RESULT_DIR", help="folders (or files) to look in")
    report.add_argument(
        "--out", required=True, metavar="DIR", help="folder for report.html, report.md, figures/"
    )
    report.add_argument(
        "--run",
        action="store_true",
        help="run the commands of missing sections first (cheap settings), with progress",
    )
    report.add_argument(
        "--full",
        action="store_true",
        help="with --run: the commands' own settings (runtimes.sh's rounds, 60-s stress modes; "
        "tens of minutes)",
    )
    report.add_argument(
        "--no-defaults",
        action="store_true",
        help="look only in the RESULT_DIRs given, not in runs/ and $SMARTCAMRT_HOME",
    )
    report.set_defaults(handler=_report)
