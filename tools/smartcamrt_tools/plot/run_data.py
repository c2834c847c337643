"""Reads one run folder (docs/run-folder.md) into arrays for plotting: frames.csv, plus summary.json
when present. Empty cells become NaN, so a column a run could not fill stays a gap, never a zero."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ToolError

# A copy of refrun.run_folder.FRAMES_CSV_COLUMNS: importing that module would pull in OpenCV and
# ONNX Runtime just to plot. tests/plot checks that the two stay equal.
FRAMES_CSV_COLUMNS = (
    "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
    "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event"
).split(",")
TEXT_COLUMNS = ("run_id", "model", "runtime", "precision", "input", "event")
NUMERIC_COLUMNS = tuple(c for c in FRAMES_CSV_COLUMNS if c not in TEXT_COLUMNS)


@dataclass(frozen=True)
class Event:
    ts_ms: float
    text: str


@dataclass
class RunData:
    folder: Path
    run_id: str
    model: str
    runtime: str
    numbers: dict[str, np.ndarray]  # one float64 array per numeric column, NaN where the cell was empty
    events: list[Event] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.model}/{self.runtime} ({self.run_id})"

    def column(self, name: str) -> np.ndarray:
        return self.numbers[name]

    def has_values(self, name: str) -> bool:
        return bool(np.isfinite(self.numbers[name]).any())


def load_run(folder: str | Path) -> RunData:
    folder = Path(folder)
    if not folder.is_dir():
        raise ToolError(f"{folder}: no such run folder")
    csv_path = folder / "frames.csv"
    if not csv_path.is_file():
        raise ToolError(f"{folder}: no frames.csv; is this a run folder (smartcamrt run / ref-run)?")
    texts, numbers = _read_frames_csv(csv_path)
    summary = _read_summary(folder / "summary.json")
    config = summary.get("config") if isinstance(summary.get("config"), dict) else {}
    run_id = str(summary.get("run_id") or _first(texts["run_id"]) or folder.name)
    model = Path(str(config.get("model") or _first(texts["model"]) or "?")).name  # config holds a path
    # frames.csv first: after a switch it names every runtime used (ort->litert), the config only the first
    runtime = _runtimes(texts["runtime"]) or str(config.get("runtime") or "?")
    events = _events(texts["event"], numbers["ts_ms"], summary.get("events"))
    return RunData(folder, run_id, model, runtime, numbers, events, summary)


def safe_name(run_id: str) -> str:
    """run_id as a file-name prefix: it comes from a file, so keep it from naming another folder."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("._") or "run"


def _read_frames_csv(path: Path) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
    with open(path, newline="") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if header != FRAMES_CSV_COLUMNS:
            got = ",".join(header) if header else "an empty file"
            raise ToolError(
                f"{path}: header is not the frames.csv contract (docs/run-folder.md); got {got!r}"
            )
        rows = [row for row in reader if row]  # a trailing blank line is not a frame
    if not rows:
        raise ToolError(f"{path}: no frames recorded (header only)")
    texts: dict[str, list[str]] = {name: [] for name in TEXT_COLUMNS}
    columns: dict[str, list[float]] = {name: [] for name in NUMERIC_COLUMNS}
    for line, row in enumerate(rows, start=2):
        if len(row) != len(FRAMES_CSV_COLUMNS):
            raise ToolError(f"{path}:{line}: {len(row)} cells, expected {len(FRAMES_CSV_COLUMNS)}")
        for name, cell in zip(FRAMES_CSV_COLUMNS, row, strict=True):
            if name in texts:
                texts[name].append(cell)
            else:
                columns[name].append(_number(cell, path, line, name))
    return texts, {name: np.asarray(values, dtype=np.float64) for name, values in columns.items()}


def _number(cell: str, path: Path, line: int, name: str) -> float:
    if cell == "":
        return float("nan")
    try:
        return float(cell)
    except ValueError:
        raise ToolError(f"{path}:{line}: {name} is not a number: {cell!r}") from None


def _read_summary(path: Path) -> dict[str, Any]:
    # Optional: an interrupted run may have frames.csv only. A broken one is an error, not silently
    # ignored, since its run id and events would otherwise go missing from the figures.
    if not path.is_file():
        return {}
    try:
        summary = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ToolError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise ToolError(f"{path}: expected a JSON object")
    return summary


def _first(values: list[str]) -> str:
    return next((v for v in values if v), "")


def _runtimes(values: list[str]) -> str:
    """Runtimes in the order the run used them (``ort->litert`` after a switch)."""
    seen: list[str] = []
    for value in values:
        if value and (not seen or seen[-1] != value):
            seen.append(value)
    return "->".join(seen)


def _events(csv_events: list[str], ts_ms: np.ndarray, summary_events: Any) -> list[Event]:
    # The same switch usually appears in both files; keep one of each (time, text).
    found: dict[tuple[float, str], Event] = {}
    for text, ts in zip(csv_events, ts_ms, strict=True):
        if text and np.isfinite(ts):
            found.setdefault((round(float(ts), 3), text), Event(float(ts), text))
    for item in summary_events if isinstance(summary_events, list) else []:
        if isinstance(item, dict) and item.get("event") and isinstance(item.get("ts_ms"), int | float):
            ts = float(item["ts_ms"])
            found.setdefault((round(ts, 3), str(item["event"])), Event(ts, str(item["event"])))
    return sorted(found.values(), key=lambda e: e.ts_ms)
