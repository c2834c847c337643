"""The cross-runtime table in Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

# (key, Markdown heading, format); the CSV and JSON keep every key.
COLUMNS = (
    ("model", "model", "{}"),
    ("format", "format", "{}"),
    ("precision", "precision", "{}"),
    ("runtime", "runtime", "{}"),
    ("timed_by", "timed by", "{}"),
    ("size_mb", "size MiB", "{:.2f}"),
    ("init_ms", "init ms", "{:.1f}"),
    ("first_run_ms", "first run ms", "{:.1f}"),
    ("p50_ms", "p50 ms", "{:.2f}"),
    ("p50_spread", "p50 over rounds", "{}"),
    ("p90_ms", "p90 ms", "{:.2f}"),
    ("p99_ms", "p99 ms", "{:.2f}"),
    ("pipeline_infer_p50_ms", "pipeline infer p50 ms", "{:.2f}"),
    ("pipeline_e2e_p50_ms", "pipeline e2e p50 ms", "{:.2f}"),
    ("pipeline_infer_over_session_p50", "pipeline/session p50", "{:.3f}"),
    ("paced_p50_ms", "paced session p50 ms", "{:.2f}"),
    ("pipeline_infer_over_paced_p50", "pipeline/paced p50", "{:.3f}"),
    ("throughput_per_s", "throughput /s", "{:.1f}"),
    ("peak_rss_mb", "peak RSS MiB", "{:.0f}"),
    ("parity", "parity", "{}"),
)


def _cell(row: dict, key: str, fmt: str) -> str:
    if key == "p50_spread":  # derived for the Markdown table; the CSV and JSON keep min and max
        return f"{row['p50_min_ms']:.2f}-{row['p50_max_ms']:.2f}" if row.get("rounds", 1) > 1 else ""
    value = row.get(key)
    return "" if value is None else fmt.format(value)


def write_tables(rows: list[dict], out: Path, machine: str) -> None:
    header = "| " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    lines = [
        f"Machine: {machine}. Session latency from `smartcamrt bench`; pipeline figures from a real-time "
        "`smartcamrt run` on the same video (end to end = capture to result); the paced session runs one "
        "inference per frame interval of that video, as the pipeline does. With several rounds (every "
        "model once per round, interleaved) each figure is the median over the rounds.",
        "",
        header,
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_cell(row, key, fmt) for key, _, fmt in COLUMNS) + " |" for row in rows]
    (out / "runtimes.md").write_text("\n".join(lines) + "\n")
    keys = [key for key, _, _ in COLUMNS if key != "p50_spread"]
    keys += sorted({k for row in rows for k in row} - set(keys))
    with (out / "runtimes.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    (out / "runtimes.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n")
