"""Per-stage statistics for summary.json."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PERCENTILES = (50, 90, 95, 99)


def stage_stats(values: Sequence[float]) -> dict[str, float | int | None]:
    """count, mean, p50/p90/p95/p99 and max; percentiles use NumPy's default linear interpolation,
    which the C++ engine implements too so both summaries are comparable."""
    data = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if data.size == 0:
        return {"count": 0, "mean": None, **{f"p{p}": None for p in PERCENTILES}, "max": None}
    stats: dict[str, float | int | None] = {"count": int(data.size), "mean": round(float(data.mean()), 3)}
    for p in PERCENTILES:
        stats[f"p{p}"] = round(float(np.percentile(data, p)), 3)
    stats["max"] = round(float(data.max()), 3)
    return stats


def mean_max(values: Sequence[float | None]) -> dict[str, float | None]:
    data = [v for v in values if v is not None]
    if not data:
        return {"mean": None, "max": None}
    return {"mean": round(sum(data) / len(data), 3), "max": round(max(data), 3)}
