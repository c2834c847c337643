"""The bundle's engine writes the power-loss-safe run folder on aarch64 too (docs/run-folder.md): the
annotated video in closed Matroska segments through Debian arm64's OpenCV/FFmpeg, each playable here,
and `smartcamrt summarize` (the aarch64 build) rebuilding summary.json from frames.csv. Under
qemu-aarch64 -cpu cortex-a72; 6 frames of vtest.avi at 320 (~40 s emulated). The SIGKILL behaviour
itself is tested natively (engine/tests/e2e/power_loss_test.cpp): same code, and a real-time run is
too slow to pace under emulation."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2

from .conftest import DEPLOY_SCRIPTS


def _qemu_pi(bundle: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(DEPLOY_SCRIPTS / "qemu-pi.sh"), str(bundle), *args],
        capture_output=True,
        text=True,
        timeout=900,
    )


def _frames(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    return count


def test_segments_and_summarize_from_the_bundle(
    emulation_ready: Path, bundle: Path, assets: Path, tmp_path: Path
):
    out = tmp_path / "run"
    run = _qemu_pi(
        bundle,
        "run",
        "--model",
        str(bundle / "models" / "yolov5n-320.onnx"),
        "--source",
        str(assets / "video" / "vtest.avi"),
        "--frames",
        "6",
        "--segment-s",
        "0.3",  # 3 frames at vtest's 10 fps
        "--threads",
        "2",
        "--quiet",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    segments = sorted((out / "annotated").iterdir())
    assert [p.name for p in segments] == ["segment-00000.mkv", "segment-00001.mkv"]
    assert [_frames(p) for p in segments] == [3, 3]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["final"] is True and summary["frames"]["processed"] == 6
    assert summary["files"] == ["frames.csv", "detections.jsonl", "annotated/", "summary.json"]

    # A run cut before its first checkpoint: summarize rebuilds from the rows alone.
    (out / "summary.json").unlink()
    rebuilt = _qemu_pi(bundle, "summarize", str(out))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "rebuilt from 6 rows of frames.csv" in rebuilt.stdout
    again = json.loads((out / "summary.json").read_text())
    assert again["rebuilt"]["from"] == "frames.csv" and again["rebuilt"]["other_fields_from"] is None
    assert again["frames"]["processed"] == 6
    assert again["stages"]["infer_ms"]["count"] == 6
    # frames.csv keeps 3 decimals: the median of rounded rows is within 0.001 ms of the run's own.
    assert abs(again["stages"]["infer_ms"]["p50"] - summary["stages"]["infer_ms"]["p50"]) <= 0.0015
