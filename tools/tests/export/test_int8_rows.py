"""The PT2E/NNCF int8 rows (executorch-int8, openvino-int8, tflite-int8).

- On a tiny YOLOv5 built in code (yolov5n's layer list at 1/8 width, 3 classes, 64 px): each row's
  exporter writes a model that really is int8 (int8 tensors / quantize ops in the file), computes close to
  the float model, and leaves a block named in ``keep_float`` unquantized.
- On the real yolov5n at 320 through ``export_model``: the parity gate (detection agreement floor) passes
  and the manifest carries ``validated_on`` and the ``quantization`` record (training-split calibration,
  float decode, the blocks kept float). Calibration and agreement use 8 images each to stay short.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from smartcamrt_tools.assets import resolve_weights
from smartcamrt_tools.checkpoint import load_checkpoint
from smartcamrt_tools.evaluation.split import eval_images
from smartcamrt_tools.export import FORMATS, export_model, int8_common
from smartcamrt_tools.export.request import ExportRequest
from smartcamrt_tools.validate import DEFAULT_MIN_MAP50
from smartcamrt_tools.yolov5 import DetectionModel
from smartcamrt_tools.yolov5.fuse import fuse_model

INT8_ROWS = ["executorch-int8", "openvino-int8", "tflite-int8"]
TINY = 64
IMGSZ = 320
FEW = 8


@pytest.fixture(scope="module")
def checkpoint(assets):
    return load_checkpoint(resolve_weights("yolov5n.pt"))


@pytest.fixture(scope="module")
def tiny(checkpoint) -> DetectionModel:
    """yolov5n's architecture at 1/8 width with 3 classes, random weights (fixed seed), fused."""
    config = copy.deepcopy(checkpoint.config)
    config.update(nc=3, width_multiple=0.125)
    torch.manual_seed(0)
    model = DetectionModel(config, bn_eps=1e-3)
    with torch.no_grad():
        model.detect.anchors /= model.detect.stride.view(-1, 1, 1)
        for module in model.modules():  # non-trivial BatchNorm so that fusing matters
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_var.uniform_(0.5, 2.0)
                module.running_mean.uniform_(-0.1, 0.1)
    return fuse_model(model.eval())


@pytest.fixture
def few_images(monkeypatch):
    monkeypatch.setattr(int8_common, "CALIBRATION_IMAGES", FEW)


@pytest.fixture(scope="module")
def tiny_export(tiny, tmp_path_factory):
    """tiny_export(row, keep_float) -> artifact; each (row, keep_float) exported once per module (the
    ExecuTorch lowering takes ~20 s even for the tiny model)."""
    cache: dict[tuple[str, tuple[str, ...]], Path] = {}

    def export(name: str, keep_float: list[str]) -> Path:
        key = (name, tuple(keep_float))
        if key not in cache:
            saved = int8_common.KEEP_FLOAT_OVERRIDE, int8_common.CALIBRATION_IMAGES
            int8_common.KEEP_FLOAT_OVERRIDE, int8_common.CALIBRATION_IMAGES = list(keep_float), 2
            try:
                row = FORMATS[name]
                artifact = tmp_path_factory.mktemp("tiny") / f"tiny{row.suffix}"
                sample = np.zeros((1, 3, TINY, TINY), dtype=np.float32)
                metadata = {"names": ["a", "b", "c"], "stride": [8, 16, 32]}
                row.export(ExportRequest(tiny, sample, artifact, None, metadata))
            finally:
                int8_common.KEEP_FLOAT_OVERRIDE, int8_common.CALIBRATION_IMAGES = saved
            cache[key] = artifact
        return cache[key]

    return export


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_split_decode_is_the_model(tiny):
    """Body then the identity-conv Detect computes exactly what the model does; the model is untouched."""
    body, decode = int8_common.split_decode(tiny)
    x = torch.rand(1, 3, TINY, TINY)
    with torch.no_grad():
        assert torch.equal(int8_common.Joined(body, decode)(x), tiny(x))
    assert all(isinstance(conv, torch.nn.Conv2d) for conv in tiny.detect.m)


def test_calibration_never_uses_eval_images(assets):
    evaluation = {path.name for path in eval_images()}
    paths = int8_common.calibration_paths(64)
    assert len(paths) == 64 and not evaluation & {path.name for path in paths}
    (batch,) = int8_common.calibration_batches((IMGSZ, IMGSZ), 1)
    assert batch.shape == (1, 3, IMGSZ, IMGSZ) and batch.dtype == np.float32 and 0 <= batch.min()


def _int8_content(name: str, artifact: Path) -> int:
    """How many int8 things the file holds: int8 tensors (TFLite), int8-weight convolutions (OpenVINO), or
    delegated quantized weights (ExecuTorch: the program shrinks ~4x against fp32 weights)."""
    if name == "tflite-int8":
        from ai_edge_litert.interpreter import Interpreter

        details = Interpreter(model_path=str(artifact)).get_tensor_details()
        return sum(d["dtype"] == np.int8 for d in details)
    if name == "openvino-int8":
        return _openvino_int8_convolutions(artifact)
    return artifact.stat().st_size


def _openvino_int8_convolutions(artifact: Path) -> int:
    """Convolutions whose weights the IR stores as int8 (NNCF: i8 Constant -> Convert -> ... -> Conv)."""
    import openvino as ov

    count = 0
    for op in ov.Core().read_model(str(artifact)).get_ops():
        if op.get_type_name() != "Convolution":
            continue
        source = op.input_value(1).get_node()
        for _ in range(6):
            if source.get_type_name() == "Constant":
                break
            source = source.input_value(0).get_node()
        count += source.get_element_type() == ov.Type.i8
    return count


@pytest.mark.parametrize("name", INT8_ROWS)
def test_tiny_model_int8(name, tiny, tiny_export, tmp_path):
    """The tiny model exports, is int8 inside, and its outputs stay close to the float model's."""
    artifact = tiny_export(name, [])
    runner = FORMATS[name].open_runner(artifact)
    x = int8_common.calibration_batches((TINY, TINY), 1)[0]
    with torch.no_grad():
        expected = tiny(torch.from_numpy(x)).numpy()
    got = runner(x)
    assert got.shape == expected.shape
    assert _cosine(got, expected) > 0.98
    if name == "executorch-int8":
        fp32 = tmp_path / "fp32.pte"
        FORMATS["executorch"].export(
            ExportRequest(tiny, np.zeros((1, 3, TINY, TINY), np.float32), fp32, None, {"names": ["a"]})
        )
        assert _int8_content(name, artifact) < 0.6 * fp32.stat().st_size
    else:
        assert _int8_content(name, artifact) > 10


@pytest.mark.parametrize("name", INT8_ROWS)
def test_keep_float_leaves_a_block_float(name, tiny_export):
    """Keeping block model.23 (the last C3) float removes int8 content against quantizing everything."""
    every = _int8_content(name, tiny_export(name, []))
    kept = _int8_content(name, tiny_export(name, ["model.23"]))
    if name == "executorch-int8":
        assert kept > every  # float weights of that block make the program larger
    else:
        assert kept < every


def test_keep_float_quantizer_strips_only_the_block(tiny):
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )

    body, _ = int8_common.split_decode(tiny)
    graph = torch.export.export(body, (torch.zeros(1, 3, TINY, TINY),), strict=False).module()
    inner = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    annotated = int8_common.keep_float_quantizer(inner, ["model.0"]).annotate(graph)
    convs = [n for n in annotated.graph.nodes if n.target == torch.ops.aten.conv2d.default]
    first, rest = convs[0], convs[1:]
    assert int8_common.in_blocks(first, ["model.0"]) and "quantization_annotation" not in first.meta
    assert all("quantization_annotation" in n.meta for n in rest)


@pytest.mark.parametrize("name", INT8_ROWS)
def test_row(name):
    row = FORMATS[name]
    assert row.precision == "int8" and row.quantization_record is not None
    assert not row.quantized  # the ORT preset/target-ISA options are onnx-int8's alone
    assert 0.5 < row.tolerance.min_map50 < DEFAULT_MIN_MAP50
    record = row.quantization_record((IMGSZ, IMGSZ))
    assert record["calibration"]["images"] == int8_common.CALIBRATION_IMAGES
    assert "train" in record["calibration"]["split"] and record["isa"]
    assert isinstance(record["keep_float"], list) and record["keep_float_source"]


@pytest.mark.parametrize("name", INT8_ROWS)
def test_export_real_320(name, assets, tmp_path, few_images):
    lines: list[str] = []
    artifact = export_model("yolov5n.pt", name, tmp_path, imgsz=IMGSZ, log=lines.append, agreement_images=FEW)
    assert artifact.name == f"yolov5n-{IMGSZ}{FORMATS[name].suffix}"
    manifest = json.loads(Path(str(artifact) + ".json").read_text())
    assert manifest["precision"] == "int8" and manifest["parity"]["passed"], lines
    assert manifest["validated_on"]["cpu"] and manifest["validated_on"]["isa"] is not None
    record = manifest["quantization"]
    assert record["calibration"]["images"] == FEW and record["decode"].startswith("float")
    agreement = manifest["parity"]["detection_agreement"]
    assert agreement["passed"] and agreement["value"] >= FORMATS[name].tolerance.min_map50
    if record["keep_float"] and name != "executorch-int8":  # a .pte's delegate payload is opaque
        assert _float_convolutions(name, artifact) >= 1, "a block the manifest calls float is int8"


def _float_convolutions(name: str, artifact: Path) -> int:
    if name == "tflite-int8":
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(artifact))
        details = interpreter.get_tensor_details()
        return sum(
            op["op_name"] == "CONV_2D" and details[op["inputs"][0]]["dtype"] == np.float32
            for op in interpreter._get_ops_details()
        )
    import openvino as ov

    ops = ov.Core().read_model(str(artifact)).get_ops()
    return sum(op.get_type_name() == "Convolution" for op in ops) - _openvino_int8_convolutions(artifact)
