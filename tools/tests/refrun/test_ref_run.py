from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smartcamrt_tools.cli import main

HEADER = (
    "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
    "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event"
)
TIMES = ("ts_ms", "capture_ms", "pre_ms", "infer_ms", "post_ms", "e2e_ms", "queue_ms")
STAGES = ("capture_ms", "pre_ms", "infer_ms", "post_ms", "e2e_ms", "queue_ms")


@pytest.fixture(scope="module")
def video_run(onnx_model, assets, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "vtest"
    video = assets / "video" / "vtest.avi"
    args = ["ref-run", "--model", str(onnx_model), "--source", str(video), "--frames", "5", "--out", str(out)]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(args)
    return {"code": code, "out": out, "stdout": stdout.getvalue().splitlines()}


def read_rows(folder: Path) -> tuple[str, list[dict]]:
    text = (folder / "frames.csv").read_text()
    return text.splitlines()[0], list(csv.DictReader(text.splitlines()))


def test_exit_code_and_last_line(video_run):
    assert video_run["code"] == 0
    assert video_run["stdout"][-1] == str(video_run["out"])


def test_frames_csv(video_run, onnx_model):
    header, rows = read_rows(video_run["out"])
    assert header == HEADER
    assert len(rows) == 5
    assert [int(r["frame"]) for r in rows] == [0, 1, 2, 3, 4]
    assert len({r["run_id"] for r in rows}) == 1
    previous_ts = -1.0
    for r in rows:
        assert (r["stream"], r["model"], r["input"]) == ("0", onnx_model.name, "320x320")
        assert (r["runtime"], r["precision"]) == ("ort-python", "fp32")
        values = {k: float(r[k]) for k in TIMES}
        assert all(v >= 0 for v in values.values())
        assert values["infer_ms"] > 0
        assert values["e2e_ms"] >= values["pre_ms"] + values["infer_ms"] + values["post_ms"] - 0.01
        assert values["ts_ms"] > previous_ts
        previous_ts = values["ts_ms"]
        assert int(r["dropped"]) == 0 and int(r["detections"]) >= 0
        for column in ("cpu_proc_pct", "cpu_sys_pct"):
            assert r[column] == "" or float(r[column]) >= 0
        assert float(r["rss_mb"]) > 10
        assert r["gpu_util_pct"] == r["gpu_mem_mb"] == r["event"] == ""  # not invented
        for column in TIMES:
            assert len(r[column].partition(".")[2]) <= 3  # up to 3 decimals


def test_detections_jsonl(video_run):
    _, rows = read_rows(video_run["out"])
    lines = (video_run["out"] / "detections.jsonl").read_text().splitlines()
    assert len(lines) == 5
    people = 0
    for line, row in zip(lines, rows, strict=True):
        record = json.loads(line)
        assert record["frame"] == int(row["frame"]) and record["ts_ms"] == float(row["ts_ms"])
        assert len(record["detections"]) == int(row["detections"])
        for det in record["detections"]:
            x1, y1, x2, y2 = det["box"]
            assert 0 <= x1 <= x2 <= 768 and 0 <= y1 <= y2 <= 576  # vtest.avi is 768x576
            assert 0.25 <= det["score"] <= 1
            people += det["class"] == "person" and det["class_id"] == 0
    assert people >= 5  # a pedestrian video: people in every frame


def test_summary(video_run, onnx_model):
    summary = json.loads((video_run["out"] / "summary.json").read_text())
    assert summary["tool"] == "smartcamrt-tools ref-run"
    assert summary["interrupted"] is False
    assert summary["frames"] == {"captured": 5, "processed": 5, "dropped": 0}
    assert summary["config"]["max_frames"] == 5 and summary["config"]["imgsz"] == [320, 320]
    assert summary["source"] == {"kind": "video", "width": 768, "height": 576, "fps": 10.0}
    assert set(summary["stages"]) == set(STAGES)
    _, rows = read_rows(video_run["out"])
    for stage in STAGES:
        stats = summary["stages"][stage]
        assert stats["count"] == 5
        assert stats["p50"] <= stats["p90"] <= stats["p95"] <= stats["p99"] <= stats["max"]
        assert abs(stats["max"] - max(float(r[stage]) for r in rows)) < 1e-3
    assert summary["fps"] > 0 and summary["duration_s"] > 0
    assert {"run_id", "host", "versions", "resources", "events"} <= summary.keys()
    assert summary["versions"]["onnxruntime"]


def test_annotated_video_is_written(video_run):
    import cv2

    capture = cv2.VideoCapture(str(video_run["out"] / "annotated.mp4"))
    assert capture.isOpened() and int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    capture.release()


def test_image_folder_source_writes_annotated_images(onnx_model, assets, tmp_path):
    out = tmp_path / "images"
    assert (
        main(["ref-run", "--model", str(onnx_model), "--source", str(assets / "images"), "--out", str(out)])
        == 0
    )
    assert sorted(p.name for p in (out / "annotated").iterdir()) == ["bus.jpg", "zidane.jpg"]
    _, rows = read_rows(out)
    assert len(rows) == 2


def test_sigint_stops_cleanly_and_keeps_every_frame(onnx_model, assets, tmp_path):
    out = tmp_path / "interrupted"
    command = [sys.executable, "-m", "smartcamrt_tools", "ref-run", "--model", str(onnx_model)]
    command += ["--source", str(assets / "video" / "vtest.avi"), "--out", str(out), "--no-annotate"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for a few frames to be on disk
        if (out / "frames.csv").exists() and len((out / "frames.csv").read_text().splitlines()) > 3:
            break
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr  # as the engine: stopped by a signal, folder complete
    assert "Traceback" not in stderr
    assert stdout.splitlines()[-1] == str(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True
    _, rows = read_rows(out)
    assert summary["frames"]["processed"] == len(rows) >= 3
    assert len((out / "detections.jsonl").read_text().splitlines()) == len(rows)
    assert len(rows) < 795  # stopped early (vtest.avi has 795 frames)


def test_realtime_paces_at_the_source_rate(onnx_model, assets, tmp_path):
    out = tmp_path / "realtime"
    video = assets / "video" / "vtest.avi"  # 10 fps: one frame due every 100 ms
    args = ["ref-run", "--model", str(onnx_model), "--source", str(video), "--frames", "4", "--realtime"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*args, "--no-annotate", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    frames = summary["frames"]
    assert frames["captured"] == 4 and frames["processed"] + frames["dropped"] == 4
    _, rows = read_rows(out)
    for row in rows:  # never ahead of the source clock; gaps in `frame` are the dropped frames
        assert float(row["ts_ms"]) >= 100 * int(row["frame"]) - 1
    assert int(rows[-1]["dropped"]) == frames["dropped"]
    assert summary["config"]["realtime"] is True
