"""The LiteRT/TFLite rows: litert-torch conversion at 320, the manifest, parity through the LiteRT
interpreter, fp16 weights, and agreement with the third-party YOLOv5n TFLite export on bus.jpg.

The converter (tools/requirements-convert.txt) is installed by scripts/setup.sh: a missing one fails here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from smartcamrt_tools.detection_agreement import box_iou
from smartcamrt_tools.export import FORMATS
from smartcamrt_tools.export.tflite_format import (
    INPUT_NAME,
    OUTPUT_NAME,
    _square_instead_of_pow,
    open_tflite_runner,
)
from smartcamrt_tools.vision.letterbox import preprocess
from smartcamrt_tools.vision.yolo_postprocess import postprocess

IMGSZ = 320
N_320 = 3 * (40 * 40 + 20 * 20 + 10 * 10)  # YOLOv5 output rows at 320


@pytest.fixture(scope="module")
def tflite_model(assets, tmp_path_factory, export_small) -> Path:
    return export_small("tflite", tmp_path_factory.mktemp("tflite"), IMGSZ)


@pytest.fixture(scope="module")
def tflite_fp16_model(assets, tmp_path_factory, export_small) -> Path:
    return export_small("tflite-fp16", tmp_path_factory.mktemp("tflite-fp16"), IMGSZ)


def _interpreter(path: Path):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path), num_threads=2)
    interpreter.allocate_tensors()
    return interpreter


def test_rows():
    fp32, fp16 = FORMATS["tflite"], FORMATS["tflite-fp16"]
    assert (fp32.suffix, fp32.precision, fp32.runtime) == (".tflite", "fp32", "litert")
    assert (fp16.suffix, fp16.precision, fp16.runtime) == (".fp16.tflite", "fp16", "litert")
    assert fp16.suffix.endswith(fp32.suffix)  # the engine picks the backend by the last suffix
    for row in (fp32, fp16):
        assert 0 < row.tolerance.scores < row.tolerance.boxes_px
    assert fp32.tolerance.boxes_px < fp16.tolerance.boxes_px


def test_pow_rewrite_keeps_the_result():
    import torch

    class Square(torch.nn.Module):
        def forward(self, x):
            return (x * 2) ** 2 + x**3

    x = torch.randn(2, 3)
    graph = torch.export.export(Square(), (x,), strict=False).module()
    assert _square_instead_of_pow(graph) == 1  # the cube stays a pow
    torch.testing.assert_close(graph(x), Square()(x))


def test_artifact_contract(tflite_model):
    assert tflite_model.name == f"yolov5n-{IMGSZ}.tflite" and tflite_model.is_file()
    interpreter = _interpreter(tflite_model)
    (inp,) = interpreter.get_input_details()
    out = interpreter.get_output_details()[0]
    assert (inp["name"], list(inp["shape"]), inp["dtype"]) == (INPUT_NAME, [1, 3, IMGSZ, IMGSZ], np.float32)
    assert (out["name"], list(out["shape"]), out["dtype"]) == (OUTPUT_NAME, [1, N_320, 85], np.float32)


def test_manifest(tflite_model, checkpoint):
    manifest = json.loads(tflite_model.with_name(tflite_model.name + ".json").read_text())
    assert (manifest["format"], manifest["precision"], manifest["runtime"]) == ("tflite", "fp32", "litert")
    assert manifest["sha256"] == hashlib.sha256(tflite_model.read_bytes()).hexdigest()
    assert manifest["input"]["name"] == INPUT_NAME
    assert manifest["input"]["shape"] == [1, 3, IMGSZ, IMGSZ] and manifest["input"]["layout"] == "NCHW"
    assert manifest["output"] == {"name": OUTPUT_NAME, "shape": [1, N_320, 85], "decode": "yolov5"}
    assert manifest["labels"] == checkpoint.names
    assert set(manifest["tools"]) >= {"torch", "litert-torch", "ai-edge-litert"}
    assert manifest["tools"]["litert-torch"] and manifest["tools"]["ai-edge-litert"]
    assert manifest["parity"]["passed"] is True
    assert manifest["parity"]["max_abs_diff"] <= FORMATS["tflite"].tolerance.boxes_px


def test_runner_matches_pytorch_on_random_input(tflite_model, reference_model):
    import torch

    batch = np.random.default_rng(0).random((1, 3, IMGSZ, IMGSZ), dtype=np.float32)
    got = open_tflite_runner(tflite_model)(batch)
    with torch.no_grad():
        expected = reference_model(torch.from_numpy(batch)).numpy()
    tolerance = FORMATS["tflite"].tolerance
    np.testing.assert_allclose(got[..., 4:], expected[..., 4:], atol=tolerance.scores)
    np.testing.assert_allclose(got[..., :4], expected[..., :4], atol=tolerance.boxes_px)


def test_fp16_weights_halve_the_file(tflite_model, tflite_fp16_model):
    manifest = json.loads(tflite_fp16_model.with_name(tflite_fp16_model.name + ".json").read_text())
    assert (manifest["format"], manifest["precision"], manifest["parity"]["passed"]) == (
        "tflite-fp16",
        "fp16",
        True,
    )
    ratio = tflite_fp16_model.stat().st_size / tflite_model.stat().st_size
    assert 0.45 < ratio < 0.6, ratio
    interpreter = _interpreter(tflite_fp16_model)
    assert interpreter.get_input_details()[0]["dtype"] == np.float32  # activations stay fp32
    fp16_tensors = [t for t in interpreter.get_tensor_details() if t["dtype"] == np.float16]
    assert len(fp16_tensors) >= 60  # every conv weight and bias


def test_agrees_with_the_third_party_export_on_bus(tflite_model, assets):
    """Our 320 conversion vs the third-party fp16 export (NHWC 640, boxes normalised to 0..1)."""
    image = cv2.imread(str(assets / "images" / "bus.jpg"))

    ours_input, ours_info = preprocess(image, (IMGSZ, IMGSZ))
    ours = postprocess(open_tflite_runner(tflite_model)(ours_input), ours_info)

    theirs_input, theirs_info = preprocess(image, (640, 640))
    interpreter = _interpreter(assets / "models" / "yolov5n-fp16.tflite")
    (inp,) = interpreter.get_input_details()
    assert list(inp["shape"]) == [1, 640, 640, 3]
    interpreter.set_tensor(inp["index"], np.ascontiguousarray(theirs_input.transpose(0, 2, 3, 1)))
    interpreter.invoke()
    raw = interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy()
    assert raw[..., :4].max() <= 1.5  # normalised xywh
    raw[..., :4] *= 640
    theirs = postprocess(raw, theirs_info)

    assert sorted(ours.class_ids.tolist()) == sorted(theirs.class_ids.tolist()) == [0, 0, 0, 5]
    iou = box_iou(ours.boxes, theirs.boxes)
    best = iou.argmax(axis=1)
    assert (theirs.class_ids[best] == ours.class_ids).all()
    assert iou.max(axis=1).min() >= 0.8
