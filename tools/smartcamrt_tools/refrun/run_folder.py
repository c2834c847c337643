"""Writers for the run folder (docs/run-folder.md): frames.csv, detections.jsonl, summary.json and the
annotated outputs. The C++ engine writes the same files; keep the two in step."""

from __future__ import annotations

import csv
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import ToolError
from ..vision.draw import draw_detections
from ..vision.yolo_postprocess import Detections

FRAMES_CSV_COLUMNS = (
    "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
    "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event"
).split(",")


@dataclass
class FrameRow:
    """One frames.csv row; field order is the column order. None is written as an empty cell."""

    run_id: str
    stream: int
    frame: int
    ts_ms: float
    model: str
    runtime: str
    precision: str
    input: str
    capture_ms: float
    pre_ms: float
    infer_ms: float
    post_ms: float
    e2e_ms: float
    queue_ms: float
    dropped: int
    detections: int
    cpu_proc_pct: float | None
    cpu_sys_pct: float | None
    rss_mb: float | None
    gpu_util_pct: float | None = None  # no NVML in the Python reference loop
    gpu_mem_mb: float | None = None
    event: str = ""


assert [f.name for f in fields(FrameRow)] == FRAMES_CSV_COLUMNS, "FrameRow must follow the CSV contract"


def new_run_id() -> str:
    """``20261124-101500-ab12``: local start time plus 4 random hex digits."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def format_cell(value: Any) -> str:
    """Numbers with up to 3 decimals, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    return str(value)


def prepare_run_folder(path: Path) -> Path:
    if (path / "frames.csv").exists():
        raise ToolError(f"{path} already holds a run (frames.csv); choose another --out")
    path.mkdir(parents=True, exist_ok=True)
    return path


class FramesCsvWriter:
    """frames.csv, flushed after every row so an interrupted run keeps each processed frame."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "w", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(FRAMES_CSV_COLUMNS)
        self._file.flush()

    def write(self, row: FrameRow) -> None:
        self._writer.writerow([format_cell(getattr(row, name)) for name in FRAMES_CSV_COLUMNS])
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class DetectionsWriter:
    """detections.jsonl: one object per processed frame, boxes in source pixels."""

    def __init__(self, path: Path, labels: Sequence[str]) -> None:
        self._file = open(path, "w")
        self._labels = labels

    def write(self, frame: int, ts_ms: float, detections: Detections) -> None:
        items = [
            {
                "box": [round(float(v), 3) for v in box],
                "class_id": int(class_id),
                "class": self._labels[class_id] if class_id < len(self._labels) else str(int(class_id)),
                "score": round(float(score), 4),
            }
            for box, score, class_id in zip(
                detections.boxes, detections.scores, detections.class_ids, strict=True
            )
        ]
        self._file.write(json.dumps({"frame": frame, "ts_ms": round(ts_ms, 3), "detections": items}) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class AnnotatedSink:
    """annotated.mp4 for video/camera sources, annotated/<name> for image sources."""

    def __init__(self, folder: Path, source_kind: str, fps: float | None, labels: Sequence[str]) -> None:
        self._folder = folder
        self._video = source_kind in ("video", "camera")
        self._fps = fps or 10.0  # a camera that reports no rate still needs one for the container
        self._labels = labels
        self._writer: cv2.VideoWriter | None = None

    def write(self, image: np.ndarray, detections: Detections, name: str | None) -> None:
        canvas = draw_detections(image, detections, self._labels)
        if not self._video:
            (self._folder / "annotated").mkdir(exist_ok=True)
            cv2.imwrite(str(self._folder / "annotated" / (name or "frame.jpg")), canvas)
            return
        if self._writer is None:
            height, width = canvas.shape[:2]
            fourcc = cv2.VideoWriter.fourcc(*"mp4v")
            self._writer = cv2.VideoWriter(
                str(self._folder / "annotated.mp4"), fourcc, self._fps, (width, height)
            )
        self._writer.write(canvas)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    tmp.replace(path)  # never leave a half-written summary behind
