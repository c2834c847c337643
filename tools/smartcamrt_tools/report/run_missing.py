"""``--run``: run the commands of the sections whose results are missing, with cheap settings, one after
the other, each child's own progress passed through and a counter over the steps."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .discover import PRODUCED_BY
from .model import Section
from .sections import Context, Step, ordered_modules


def _say(text: str) -> None:
    print(f"[report] {text}", file=sys.stderr, flush=True)


def record_command(step: Step) -> None:
    """What --run ran, beside what it wrote: the report then names this exact command for the figures."""
    if step.out.is_dir():
        command = " ".join([*(f"{k}={v}" for k, v in step.env.items()), *step.argv])
        finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        (step.out / PRODUCED_BY).write_text(json.dumps({"command": command, "finished": finished}) + "\n")


def plan_missing(sections: list[Section], context: Context, out: Path) -> tuple[list[Step], list[Section]]:
    modules = {m.KEY: m for m in ordered_modules()}
    steps: list[Step] = []
    cannot: list[Section] = []
    for section in sections:
        if not section.is_missing:
            continue
        planned = modules[section.key].plan(context, out)
        if planned:
            steps += planned
        else:
            cannot.append(section)
    return steps, cannot


def run_missing(sections: list[Section], context: Context, out: Path) -> int:
    """Runs the steps; returns how many succeeded. A failed step is reported and the others still run."""
    steps, cannot = plan_missing(sections, context, out)
    for section in cannot:
        _say(
            f"{section.title}: nothing --run can run for it here (inputs missing, or not a cheap step); "
            f"fill it with {section.fill_command}"
        )
    if not steps:
        _say("nothing to run: every section that can be filled here has its results")
        return 0
    done = 0
    for index, step in enumerate(steps, 1):
        _say(f"[{index}/{len(steps)}] {step.what}: {' '.join(step.argv)}")
        step.out.parent.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        # The child writes its own progress to stderr; its stdout (tables) goes to stderr too, so that this
        # command's stdout stays the two report paths.
        code = subprocess.run(step.argv, env={**os.environ, **step.env}, stdout=2, check=False).returncode
        elapsed = time.monotonic() - start
        if code == 0:
            done += 1
            record_command(step)
            _say(f"[{index}/{len(steps)}] done in {elapsed:.0f} s -> {step.out}")
        else:
            _say(
                f"[{index}/{len(steps)}] failed (exit {code}) after {elapsed:.0f} s; "
                "its section stays missing"
            )
    return done
