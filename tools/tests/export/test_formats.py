from __future__ import annotations

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.export import FORMATS, get_format
from smartcamrt_tools.export.pipeline import artifact_name, parse_imgsz


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


def test_imgsz_and_artifact_name():
    assert parse_imgsz(640) == (640, 640)
    assert parse_imgsz([480, 640]) == (480, 640)
    assert artifact_name("yolov5n", (640, 640), ".onnx") == "yolov5n-640.onnx"
    assert artifact_name("yolov5n", (480, 640), ".onnx") == "yolov5n-640x480.onnx"  # W x H
    with pytest.raises(ToolError, match="not a multiple of the model stride 32; try 320"):
        parse_imgsz(330)
