"""Fixtures for the plot tests: a recorded run folder written by hand, exactly as the contract in
docs/run-folder.md describes it, and a PNG size reader."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

HEADER = (
    "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
    "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event"
)
ROWS = 50
SWITCH_ROW = 30  # the row whose event column says switch:ort->litert
SWITCH_EVENT = "switch:ort->litert"
DROPPED_AT = (12, 13, 40)  # source frames skipped: gaps in `frame`, steps in `dropped`


def frame_rows(run_id: str, *, gpu: bool = False, slow: float = 1.0) -> list[list[str]]:
    """~10 FPS for 5 s; the runtime changes at SWITCH_ROW. cpu is empty on the first row (no sample yet),
    gpu columns empty unless asked for: both as a real run writes them."""
    rows = []
    frame = 0
    dropped = 0
    for i in range(ROWS):
        while frame in DROPPED_AT:
            frame += 1
            dropped += 1
        runtime = "ort" if i < SWITCH_ROW else "litert"
        capture, pre, post = 1.1 + (i % 3) * 0.1, 2.4 + (i % 5) * 0.05, 0.9 + (i % 4) * 0.1
        infer = slow * ((38.0 if runtime == "ort" else 30.0) + (i % 7) * 1.3 + (15.0 if i == 45 else 0.0))
        queue = 0.2 + (i % 2) * 0.1
        e2e = capture + pre + infer + post + queue
        cells = [run_id, 0, frame, 100.0 * frame + (i % 3) * 0.7, "yolov5n.onnx", runtime, "fp32", "640x640"]
        cells += [capture, pre, infer, post, e2e, queue, dropped, i % 4]
        cells += ["" if i == 0 else 150.0 + (i % 6) * 4, "" if i == 0 else 60.0 + (i % 5), 150.0 + i * 0.2]
        cells += [55.0 + i % 10, 900.0 + i] if gpu else ["", ""]
        cells += [SWITCH_EVENT if i == SWITCH_ROW else ""]
        rows.append([f"{c:.3f}".rstrip("0").rstrip(".") if isinstance(c, float) else str(c) for c in cells])
        frame += 1
    return rows


def write_run(
    folder: Path, run_id: str, *, rows: list[list[str]] | None = None, summary: bool = True, **row_options
) -> Path:
    folder.mkdir(parents=True)
    rows = frame_rows(run_id, **row_options) if rows is None else rows
    (folder / "frames.csv").write_text("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n")
    if summary:
        ts = float(rows[SWITCH_ROW][3]) if len(rows) > SWITCH_ROW else 0.0
        document = {
            "run_id": run_id,
            "tool": "smartcamrt run",
            "config": {
                "model": "/models/yolov5n.onnx",
                "source": "vtest.avi",
                "runtime": "ort",
                "threads": 2,
            },
            "frames": {"captured": ROWS + len(DROPPED_AT), "processed": ROWS, "dropped": len(DROPPED_AT)},
            "duration_s": 5.3,
            "fps": 9.43,
            "events": [{"frame": SWITCH_ROW + 2, "ts_ms": ts, "event": SWITCH_EVENT}],
            "interrupted": False,
        }
        (folder / "summary.json").write_text(json.dumps(document, indent=2))
    return folder


@pytest.fixture
def make_run(tmp_path) -> Callable[..., Path]:
    """make_run("name", run_id=..., gpu=..., summary=..., rows=...) -> a run folder under tmp_path."""

    def make(name: str, *, run_id: str = "20261124-101500-ab12", **options) -> Path:
        return write_run(tmp_path / name, run_id, **options)

    return make


def read_png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, which the PNG format requires to come first."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(name="frame_rows")
def frame_rows_fixture() -> Callable[..., list[list[str]]]:
    """frame_rows(run_id, gpu=..., slow=...) -> the cells make_run writes, to edit before writing."""
    return frame_rows


@pytest.fixture
def png_size() -> Callable[[Path], tuple[int, int]]:
    return read_png_size
