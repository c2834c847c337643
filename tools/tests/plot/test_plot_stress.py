"""plot-stress on a hand-written stress folder: stress.json as smartcamrt stress writes it, and run
folders (one per stream) from conftest's make_run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.image import imread

from smartcamrt_tools.cli import main
from smartcamrt_tools.plot.stress import figure_size_px, load_stress

MODES = {  # mode -> its streams' folders, relative to the stress folder
    "static-heavy": ["static-heavy"],
    "static-light": ["static-light"],
    "adaptive": ["adaptive/stream0", "adaptive/stream1"],
}


def write_stress(make_run, tmp_path: Path, modes: dict[str, list[str]] = MODES) -> Path:
    folder = tmp_path / "stress"
    entries = []
    for mode, streams in modes.items():
        for index, stream in enumerate(streams):
            make_run(f"stress/{stream}", slow=1.0 + index * 0.6)
        entries.append(
            {
                "mode": mode,
                "model": "/models/yolov5n.onnx",
                "folder": mode,
                "stream_folders": streams,
                "duration_s": 5.3,
                "processed": 50 * len(streams),
                "dropped": 3 * len(streams),
                "offered": 53 * len(streams),
                "slo_attainment": 0.9,
                "e2e_ms": {"p50": 42.0, "p95": 55.0, "p99": 61.0},
                "switches": 1,
                "reaction": [{"at_s": 2.0, "from": 0, "to": 2, "reaction_s": None}],
            }
        )
    document = {
        "tool": "smartcamrt stress",
        "host": {"cpu_model": "Test CPU", "cores": 2, "isa": ["avx2", "fma"]},
        "config": {"slo_ms": 50, "load": "0s:0,2s:2,4s:0", "duration_s": 5},
        "schedule": [
            {"at_s": 0, "busy_cores": 0},
            {"at_s": 2, "busy_cores": 2},
            {"at_s": 4, "busy_cores": 0},
        ],
        "modes": entries,
    }
    (folder / "stress.json").write_text(json.dumps(document, indent=2))
    return folder


def test_timeline_through_the_cli(make_run, tmp_path, png_size, capsys):
    folder = write_stress(make_run, tmp_path)
    assert main(["plot-stress", str(folder)]) == 0
    png = folder / "stress-timeline.png"
    assert capsys.readouterr().out.splitlines() == [str(png)]
    assert png_size(png) == figure_size_px(3) == (1000, 960)  # a row per mode
    assert png.stat().st_size > 30_000  # three drawn rows, not an empty canvas
    pixels = imread(png)
    assert pixels[..., :3].std() > 0.05
    # Each row is drawn: none of the three horizontal thirds is a flat colour.
    for third in np.array_split(pixels[..., :3], 3, axis=0):
        assert third.std() > 0.05


def test_out_option_and_one_mode(make_run, tmp_path, png_size):
    folder = write_stress(make_run, tmp_path, {"static-heavy": ["static-heavy"]})
    out = tmp_path / "timeline.png"
    assert main(["plot-stress", str(folder), "--out", str(out)]) == 0
    assert png_size(out) == figure_size_px(1)
    assert not (folder / "stress-timeline.png").exists()


def test_configurations_per_row_follow_the_runtime_switch(make_run, tmp_path):
    _, modes = load_stress(write_stress(make_run, tmp_path))
    adaptive = modes[2]
    assert adaptive.name == "adaptive" and len(adaptive.runs) == 2
    labels = adaptive.configurations[0]
    # conftest's frames switch runtime at row 30
    assert labels[0] == "ort/yolov5n.onnx" and labels[-1] == "litert/yolov5n.onnx"
    assert labels.index("litert/yolov5n.onnx") == 30


def one_line_error(capsys, *args: str) -> str:
    assert main(["plot-stress", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert lines[0].startswith("smartcamrt-tools plot-stress: ")
    return lines[0]


def test_bad_folders_say_what_is_wrong(make_run, tmp_path, capsys):
    assert "no such stress folder" in one_line_error(capsys, str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    assert "no stress.json" in one_line_error(capsys, str(tmp_path / "empty"))
    folder = write_stress(make_run, tmp_path, {"static-heavy": ["static-heavy"]})
    document = json.loads((folder / "stress.json").read_text())
    document["modes"][0]["stream_folders"] = ["gone"]
    (folder / "stress.json").write_text(json.dumps(document))
    assert "no such run folder" in one_line_error(capsys, str(folder))
    (folder / "stress.json").write_text("{")
    assert "not readable JSON" in one_line_error(capsys, str(folder))
    assert not (folder / "stress-timeline.png").exists()
