"""Process and system resource samples for the per-frame CSV (psutil)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import psutil

# psutil's CPU percentages are computed over the interval since the previous call; sampling every
# frame (~30 ms) would give values quantised by the scheduler tick, so refresh at most this often and
# repeat the latest sample in between ("latest sample", as the run-folder contract says).
MIN_SAMPLE_INTERVAL_S = 0.25
# The very first sample only needs an interval long enough to be more than one scheduler tick.
FIRST_SAMPLE_INTERVAL_S = 0.05


@dataclass(frozen=True)
class ResourceSample:
    cpu_proc_pct: float | None  # percent of one core
    cpu_sys_pct: float | None  # percent of all cores
    rss_mb: float | None


class ResourceSampler:
    def __init__(self) -> None:
        self._process = psutil.Process()
        # The first cpu_percent() call only starts the interval; prime both counters now so the first
        # real sample (after model loading) covers a meaningful span. Until then CPU is left empty.
        self._process.cpu_percent(None)
        psutil.cpu_percent(None)
        self._last = time.monotonic()
        self._latest = ResourceSample(None, None, self._rss_mb())

    def _rss_mb(self) -> float:
        return self._process.memory_info().rss / (1024 * 1024)

    def sample(self) -> ResourceSample:
        now = time.monotonic()
        interval = FIRST_SAMPLE_INTERVAL_S if self._latest.cpu_proc_pct is None else MIN_SAMPLE_INTERVAL_S
        if now - self._last >= interval:
            self._latest = ResourceSample(
                self._process.cpu_percent(None), psutil.cpu_percent(None), self._rss_mb()
            )
            self._last = now
        return self._latest
