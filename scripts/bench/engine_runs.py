"""What the model benchmarks share: the machine line, one `smartcamrt run` and reading its run folder.

The engine binary and `smartcamrt bench` come from the bench-runtimes machinery
(`smartcamrt_tools.benchmark.engine`); this adds the run-folder reading the text benchmarks need
(frames.csv per item, summary.json, predictions.jsonl).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np

from smartcamrt_tools.benchmark.engine import engine_binary


def machine() -> dict:
    """CPU model, the vector ISA flags that matter for inference, and the cores."""
    model, flags = "?", set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    wanted = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile") if f in flags]
    return {"cpu": model, "flags": wanted, "cores": os.cpu_count()}


def machine_line(host: dict) -> str:
    return f"{host['cpu']} ({' '.join(host['flags'])}), {host['cores']} cores"


def run_engine(model: Path, runtime: str, source: Path, threads: int, out: Path, frames: int = 0) -> Path:
    """`smartcamrt run` without pacing or saved images; resources sampled every 20 ms (short runs)."""
    args = [
        engine_binary(),
        "run",
        "--model",
        str(model),
        "--runtime",
        runtime,
        "--source",
        str(source),
        "--threads",
        str(threads),
        "--no-save",
        "--quiet",
        "--sample-ms",
        "20",
        "--out",
        str(out),
    ]
    if frames:
        args += ["--frames", str(frames)]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"smartcamrt run {model.name} on {runtime}: {message}")
    return out


def read_frames(folder: Path) -> list[dict[str, str]]:
    with (folder / "frames.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def read_summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def read_predictions(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines() if line]


def column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(row[name]) for row in rows if row.get(name)], dtype=np.float64)


def percentile(values: np.ndarray, q: float) -> float | None:
    return float(np.percentile(values, q)) if values.size else None
