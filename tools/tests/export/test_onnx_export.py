from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import onnx
import pytest

from smartcamrt_tools.errors import ParityError
from smartcamrt_tools.export import FORMATS, export_model
from smartcamrt_tools.quantization.isa import read_host_cpu
from smartcamrt_tools.validate import ParityTolerance

EXPORT_IMGSZ = 320  # the size the session fixture exports at (conftest.EXPORT_IMGSZ)
N_320 = 3 * (40 * 40 + 20 * 20 + 10 * 10)  # anchors x grid cells over the three levels


@pytest.fixture(autouse=True)
def _same_size_as_fixture(export_imgsz):
    assert export_imgsz == EXPORT_IMGSZ


def test_last_printed_line_is_the_absolute_artifact_path(exported, onnx_model):
    assert onnx_model.is_absolute() and onnx_model.is_file()
    assert onnx_model.name == f"yolov5n-{EXPORT_IMGSZ}.onnx"
    assert any(line.startswith("parity vs pytorch") and "passed" in line for line in exported["stdout"])


def test_onnx_graph_contract(onnx_model, checkpoint):
    model = onnx.load(str(onnx_model))
    assert model.opset_import[0].version >= 17
    (graph_input,) = model.graph.input
    (graph_output,) = model.graph.output
    assert graph_input.name == "images" and graph_output.name == "output0"
    dims = [d.dim_value for d in graph_input.type.tensor_type.shape.dim]
    assert dims == [1, 3, EXPORT_IMGSZ, EXPORT_IMGSZ]
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_value for d in graph_output.type.tensor_type.shape.dim] == [1, N_320, 85]
    metadata = {p.key: p.value for p in model.metadata_props}
    assert json.loads(metadata["names"]) == checkpoint.names
    assert json.loads(metadata["stride"]) == [8, 16, 32]


def test_manifest_fields(onnx_model, checkpoint, weights):
    manifest = json.loads(onnx_model.with_name(onnx_model.name + ".json").read_text())
    assert manifest["format"] == "onnx" and manifest["precision"] == "fp32"
    assert manifest["file"] == onnx_model.name
    assert manifest["sha256"] == hashlib.sha256(onnx_model.read_bytes()).hexdigest()
    assert manifest["source"]["path"] == str(weights.resolve())
    assert manifest["source"]["sha256"] == checkpoint.sha256
    assert manifest["input"] == {
        "name": "images",
        "shape": [1, 3, EXPORT_IMGSZ, EXPORT_IMGSZ],
        "dtype": "float32",
        "layout": "NCHW",
        "color": "RGB",
        "scale": 1 / 255,
        "letterbox": {"pad_value": 114, "center": True},
    }
    assert manifest["output"] == {"name": "output0", "shape": [1, N_320, 85], "decode": "yolov5"}
    assert manifest["labels"] == checkpoint.names and len(manifest["labels"]) == 80
    assert manifest["stride"] == [8, 16, 32]
    assert set(manifest["tools"]) >= {"python", "torch", "onnx", "onnxruntime", "smartcamrt_tools"}
    assert manifest["created"].endswith("+00:00")
    host = read_host_cpu()  # every format records the CPU that validated it, not only int8
    assert manifest["validated_on"] == {"cpu": host.model, "arch": host.arch, "isa": host.isa}
    assert "quantization" not in manifest
    parity = manifest["parity"]
    assert parity["reference"] == "pytorch"
    assert parity["inputs"] == ["bus.jpg", "zidane.jpg"]
    assert parity["passed"] is True
    assert 0 <= parity["max_abs_diff"] <= parity["atol"] == FORMATS["onnx"].tolerance.boxes_px
    assert 0 <= parity["mean_abs_diff"] <= parity["max_abs_diff"]
    assert parity["cosine"] >= FORMATS["onnx"].tolerance.min_cosine


def test_onnx_runtime_output_matches_pytorch(onnx_model, reference_model):
    import torch

    from smartcamrt_tools.export.onnx_format import open_onnx_runner

    batch = np.random.default_rng(0).random((1, 3, EXPORT_IMGSZ, EXPORT_IMGSZ), dtype=np.float32)
    got = open_onnx_runner(onnx_model)(batch)
    with torch.no_grad():
        expected = reference_model(torch.from_numpy(batch)).numpy()
    np.testing.assert_allclose(got[..., 4:], expected[..., 4:], atol=FORMATS["onnx"].tolerance.scores)
    np.testing.assert_allclose(got[..., :4], expected[..., :4], atol=FORMATS["onnx"].tolerance.boxes_px)


def test_parity_failure_marks_manifest_and_raises(tmp_path, monkeypatch):
    # A zero tolerance cannot be met by any real export (float rounding differs): the gate must trip.
    strict = ParityTolerance(boxes_px=0.0, scores=0.0, min_cosine=1.0)
    monkeypatch.setitem(FORMATS, "onnx", dataclasses.replace(FORMATS["onnx"], tolerance=strict))
    with pytest.raises(ParityError, match="does not match the PyTorch model") as info:
        export_model("yolov5n.pt", "onnx", tmp_path, imgsz=64, log=lambda _line: None)
    assert info.value.exit_code != 0
    manifest = json.loads((tmp_path / "yolov5n-64.onnx.json").read_text())
    assert manifest["parity"]["passed"] is False
