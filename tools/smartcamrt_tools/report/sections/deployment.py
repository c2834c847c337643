"""Edge deployment: runs of the Raspberry Pi bundle under emulation (scripts/deploy/verify-pi.sh leaves a
run folder with emulation.json), the bundles found (BUNDLE.json), and the on-device figures published in
docs/deployment.md. Emulated timings are QEMU's, not a Pi's; the section says so."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import charts
from ..discover import Result
from ..model import Figure, Provenance, Section, Table, fmt
from . import Context, Step
from .docs_tables import tables_under

KEY = "deployment"
TITLE = "Edge deployment (Raspberry Pi bundle)"
FILL_COMMAND = (
    "scripts/deploy/pi.sh --out dist && scripts/deploy/verify-pi.sh dist/smartcamrt-*-linux-aarch64.tar.gz "
    "$SMARTCAMRT_ASSETS/images/bus.jpg runs/pi-verify -- --no-save"
)


def _summary(result: Result) -> dict:
    path = result.path.parent / "summary.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _p50(summary: dict, stage: str) -> float | None:
    value = ((summary.get("stages") or {}).get(stage) or {}).get("p50")
    return value if isinstance(value, int | float) else None


def _run_row(result: Result, summary: dict) -> list[str]:
    e = result.data
    config = summary.get("config") or {}
    frames = summary.get("frames") or {}
    rss = ((summary.get("resources") or {}).get("rss_mb") or {}).get("max")
    return [
        result.path.parent.name,
        fmt(e.get("cpu")),
        fmt((summary.get("model") or {}).get("name") or Path(str(config.get("model", ""))).name),
        fmt(config.get("runtime")),
        fmt(config.get("input")),
        fmt(config.get("threads")),
        fmt(frames.get("processed")),
        fmt(_p50(summary, "infer_ms"), ".0f"),
        fmt(_p50(summary, "e2e_ms"), ".0f"),
        fmt(rss, ".0f"),
        fmt(e.get("wall_s"), ".1f"),
        fmt(e.get("exit_code")),
    ]


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    runs = context.all("emulated-run")
    bundles = context.all("bundle")
    if runs:
        newest = runs[0]
        when, when_from = newest.when()
        source = Provenance(
            "scripts/deploy/verify-pi.sh BUNDLE SOURCE OUT (each row's command below)",
            when,
            f"newest run, {when_from}",
            newest.path.parent,
        )
        summaries = [_summary(r) for r in runs]
        headers = [
            "run folder",
            "emulated CPU",
            "model",
            "runtime",
            "input",
            "threads",
            "frames",
            "infer p50 ms (emulated)",
            "e2e p50 ms (emulated)",
            "RSS max MiB",
            "wall s",
            "exit code",
        ]
        section.tables.append(
            Table(
                f"{KEY}-runs",
                "The aarch64 bundle's engine under QEMU user-mode emulation",
                headers,
                [_run_row(r, s) for r, s in zip(runs, summaries, strict=True)],
                source,
            )
        )
        failed = [
            f"{r.path.parent.name} (exit {r.data.get('exit_code')})" for r in runs if r.data.get("exit_code")
        ]
        if failed:
            section.notes.append(
                "Runs that failed under emulation: " + ", ".join(failed) + " (docs/deployment.md says which "
                "runtimes the emulated CPU cannot run)."
            )
        emulators = sorted({str(r.data.get("emulator")) for r in runs})
        section.notes.append(
            "Timings are emulation on an x86-64 host (" + "; ".join(emulators) + "), not Raspberry Pi "
            "figures; they show that the bundle runs, and how it compares between its own configurations."
        )
        section.tables.append(
            Table(
                f"{KEY}-commands",
                "The command each emulated run executed",
                ["run folder", "command", "when"],
                [
                    [
                        r.path.parent.name,
                        fmt(r.data.get("command")),
                        r.when()[0].strftime("%Y-%m-%d %H:%M UTC"),
                    ]
                    for r in runs
                ],
                source,
            )
        )
        timed = [(r, s) for r, s in zip(runs, summaries, strict=True) if _p50(s, "infer_ms") is not None]
        if timed:
            png = charts.bars(
                context.figures / "deployment-emulated.png",
                [f"{r.path.parent.name} ({(s.get('config') or {}).get('runtime', '?')})" for r, s in timed],
                {"infer p50 ms (emulated)": [_p50(s, "infer_ms") for _, s in timed]},
                title="Bundle under emulation: inference p50 per run (QEMU, not a Pi)",
                xlabel="ms (emulated)",
                footer=source.text(),
            )
            section.figures.append(Figure(f"{KEY}-emulated", "Emulated inference time per run", png, source))
    if bundles:
        rows = []
        for b in bundles:
            d = b.data
            rows.append(
                [
                    fmt(d.get("name")),
                    fmt(d.get("target")),
                    fmt(d.get("march")),
                    ", ".join(map(str, d.get("runtimes_bundled") or [])),
                    ", ".join(map(str, d.get("models") or [])),
                    f"{fmt(d.get('git_commit'))}{' (dirty)' if d.get('git_dirty') else ''}",
                    b.mtime.strftime("%Y-%m-%d %H:%M UTC"),
                ]
            )
        section.tables.append(
            Table(
                f"{KEY}-bundles",
                "Bundles found (BUNDLE.json)",
                ["bundle", "target", "march", "runtimes bundled", "models", "commit", "built (file time)"],
                rows,
                bundles[0].provenance("scripts/deploy/pi.sh --out DIR"),
            )
        )
    if not runs and not bundles:
        section.missing = (
            "no emulated run of the Pi bundle (emulation.json) and no bundle (BUNDLE.json) was found"
        )
    elif not runs:
        section.notes.append("No emulated run found: run scripts/deploy/verify-pi.sh on the bundle.")
    section.tables += tables_under(
        context.repo,
        context.repo / "docs" / "deployment.md",
        "Published on-device figures",
        f"{KEY}-published",
        "others' published measurements, cited in docs/deployment.md (not measured here)",
        verb="From",
    )
    return section


def find_bundle(context: Context) -> Path | None:
    for folder in (context.repo / "build-aarch64" / "dist", context.repo / "dist"):
        found = sorted(folder.glob("smartcamrt-*-linux-aarch64.tar.gz")) if folder.is_dir() else []
        if found:
            return found[-1]
    return None


def plan(context: Context, out: Path) -> list[Step]:
    bundle = find_bundle(context)
    image = (
        Path(os.environ.get("SMARTCAMRT_ASSETS", context.repo.parent / "shared/assets")) / "images/bus.jpg"
    )
    if bundle is None or not image.is_file():
        return []  # building a bundle is a cross-build of its own (scripts/deploy/pi.sh), not a cheap step
    argv = [
        "bash",
        str(context.repo / "scripts/deploy/verify-pi.sh"),
        str(bundle),
        str(image),
        str(out / "pi-verify"),
        "--",
        "--no-save",
    ]
    return [Step("Pi bundle under emulation (cheap: bus.jpg, one inference)", argv, out / "pi-verify")]
