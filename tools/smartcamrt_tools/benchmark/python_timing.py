"""Timing in Python, for a runtime the C++ engine does not have. Rows timed here are marked as such:
they include Python call overhead and their peak RSS includes the Python process (torch and all)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .stats import latency_stats


def bench_python_runner(open_runner: Callable[[Path], Callable], model: Path, input_shape: tuple[int, ...],
                        runs: int, warmup: int) -> dict:  # fmt: skip
    batch = np.random.default_rng(1234).random(input_shape, dtype=np.float32)
    start = time.perf_counter()
    runner = open_runner(model)
    init_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    runner(batch)
    first_ms = (time.perf_counter() - start) * 1000
    for _ in range(warmup):
        runner(batch)
    latencies = []
    for _ in range(runs):
        start = time.perf_counter()
        runner(batch)
        latencies.append((time.perf_counter() - start) * 1000)
    return {
        "init_ms": init_ms,
        "first_run_ms": first_ms,
        "latency_ms": latency_stats(latencies),
        "throughput_per_s": 1000.0 * runs / sum(latencies),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
