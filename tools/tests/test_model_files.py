"""A prepared model's files: the artifact and the sidecars that must travel with it."""

from __future__ import annotations

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.model_files import model_files, model_size_bytes


def test_single_file_formats(tmp_path):
    for name in ("m.onnx", "m.int8.onnx", "m.pte", "m.fp16.tflite"):
        path = tmp_path / name
        path.write_bytes(b"x" * 10)
        assert model_files(path) == [path] and model_size_bytes(path) == 10


def test_openvino_ir_is_graph_and_weights(tmp_path):
    graph, weights = tmp_path / "m.fp16.openvino.xml", tmp_path / "m.fp16.openvino.bin"
    graph.write_bytes(b"x" * 10)
    with pytest.raises(ToolError, match="m.fp16.openvino.bin: missing; 'm.fp16.openvino.xml' needs it"):
        model_size_bytes(graph)
    weights.write_bytes(b"x" * 1000)
    assert model_files(graph) == [graph, weights] and model_size_bytes(graph) == 1010


def test_a_missing_artifact(tmp_path):
    with pytest.raises(ToolError, match="no such model file"):
        model_files(tmp_path / "nope.onnx")
