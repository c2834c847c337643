from __future__ import annotations

from pathlib import Path

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.export import FORMATS, get_format
from smartcamrt_tools.export.pipeline import artifact_name, parse_imgsz
from smartcamrt_tools.model_files import sidecars


def test_onnx_row():
    row = get_format("onnx")
    assert row is FORMATS["onnx"]
    assert (row.suffix, row.precision, row.runtime) == (".onnx", "fp32", "ort")
    assert callable(row.export) and callable(row.open_runner)
    assert 0 < row.tolerance.scores < row.tolerance.boxes_px


def test_unknown_format_lists_the_known_ones():
    with pytest.raises(ToolError) as info:
        get_format("tflite-magic")
    assert "unknown export format 'tflite-magic'" in str(info.value)
    known = str(info.value).split("known formats: ")[1].split(", ")
    assert known == sorted(FORMATS) and "onnx" in known


def test_artifacts_of_every_row_can_share_one_folder():
    names = [artifact_name("yolov5n", (640, 640), row.suffix) for row in FORMATS.values()]
    weights = [path.name for name in names for path in sidecars(Path(name))]
    assert len(weights) == sum(row.runtime == "openvino" for row in FORMATS.values()) == 3  # the IRs' .bin
    files = names + weights + [name + ".json" for name in names]
    assert len(set(files)) == len(files)


def test_imgsz_and_artifact_name():
    assert parse_imgsz(640) == (640, 640)
    assert parse_imgsz([480, 640]) == (480, 640)
    assert artifact_name("yolov5n", (640, 640), ".onnx") == "yolov5n-640.onnx"
    assert artifact_name("yolov5n", (480, 640), ".onnx") == "yolov5n-640x480.onnx"  # W x H
    with pytest.raises(ToolError, match="not a multiple of the model stride 32; try 320"):
        parse_imgsz(330)
