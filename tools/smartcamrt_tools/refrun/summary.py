"""Collects what summary.json reports while the loop runs, and builds the summary at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .host import host_info, software_versions
from .run_folder import FrameRow
from .stats import mean_max, stage_stats

STAGES = ("capture_ms", "pre_ms", "infer_ms", "post_ms", "e2e_ms", "queue_ms")


@dataclass
class RunTally:
    captured: int = 0  # source frames taken, processed or dropped
    processed: int = 0
    dropped: int = 0
    stage_values: dict[str, list[float]] = field(default_factory=lambda: {stage: [] for stage in STAGES})
    cpu_proc_pct: list[float | None] = field(default_factory=list)
    rss_mb: list[float | None] = field(default_factory=list)

    def add(self, row: FrameRow) -> None:
        self.processed += 1
        for stage in STAGES:
            self.stage_values[stage].append(getattr(row, stage))
        self.cpu_proc_pct.append(row.cpu_proc_pct)
        self.rss_mb.append(row.rss_mb)

    def stats(self, stage: str) -> dict[str, Any]:
        return stage_stats(self.stage_values[stage])


def build_summary(
    *,
    run_id: str,
    tool: str,
    config: dict[str, Any],
    source: dict[str, Any],
    tally: RunTally,
    duration_s: float,
    interrupted: bool,
) -> dict[str, Any]:
    """summary.json, key for key as docs/run-folder.md lists them."""
    return {
        "run_id": run_id,
        "tool": tool,
        "config": config,
        "host": host_info(),
        "versions": software_versions(),
        "source": source,
        "frames": {"captured": tally.captured, "processed": tally.processed, "dropped": tally.dropped},
        "duration_s": round(duration_s, 3),
        "fps": round(tally.processed / duration_s, 3) if duration_s > 0 else None,
        "stages": {stage: tally.stats(stage) for stage in STAGES},
        "resources": {"cpu_proc_pct": mean_max(tally.cpu_proc_pct), "rss_mb": mean_max(tally.rss_mb)},
        "events": [],  # the reference loop never switches runtimes
        "interrupted": interrupted,
    }
