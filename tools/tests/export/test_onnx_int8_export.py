"""The onnx-int8 row: the fp32 ONNX export quantized statically (QDQ) at 320, its manifest, the
detection-agreement floor, and the preset and target-ISA options on the command line.

What these tests expect is what quantization/isa.py picks for the CPU running them, so the verdict is
the same on an AVX2-only machine (where u8 x s8 saturates) as on one with VNNI; the rules themselves are
tested on made-up CPUs in tests/quantization/test_isa.py."""

from __future__ import annotations

import collections
import contextlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest

from smartcamrt_tools.cli import main
from smartcamrt_tools.detection_agreement import box_iou
from smartcamrt_tools.export import FORMATS, export_model, pipeline
from smartcamrt_tools.export.onnx_format import open_onnx_runner
from smartcamrt_tools.quantization import QUANT_PRESETS, get_preset
from smartcamrt_tools.quantization.isa import (
    DEFAULT_TARGET_ISA,
    PORTABLE_PRESET,
    choose_preset,
    parse_cpuinfo,
    read_host_cpu,
    saturates_without_vnni,
)
from smartcamrt_tools.quantization.ort_sensitivity import graph_signature
from smartcamrt_tools.validate import DEFAULT_MIN_MAP50
from smartcamrt_tools.vision.letterbox import preprocess
from smartcamrt_tools.vision.yolo_postprocess import postprocess

IMGSZ = 320
N_320 = 3 * (40 * 40 + 20 * 20 + 10 * 10)
CALIBRATION_IMAGES = 16  # the preset's 64 are the default; 16 keep the test quick (measured ~as good)
AGREEMENT_IMAGES = 16  # the first 16 coco128 images; calibration takes the last 16: no overlap


AVX2_ONLY = parse_cpuinfo(
    "model name\t: AMD EPYC 7B12 64-Core Processor\nflags\t\t: sse2 avx avx2 fma\n", "x86_64"
)


def export_int8(out: Path, *options: str) -> dict:
    """Export through the CLI, as a user would."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        args = ["export", "--weights", "yolov5n.pt", "--format", "onnx-int8", "--imgsz", str(IMGSZ),
                "--agreement-images", str(AGREEMENT_IMAGES),
                "--calibration-images", str(CALIBRATION_IMAGES)]  # fmt: skip
        code = main([*args, *options, "--out", str(out)])
    lines = stdout.getvalue().splitlines()
    assert code == 0, "\n".join(lines)
    model = Path(lines[-1])
    return {
        "lines": lines,
        "model": model,
        "manifest": json.loads(model.with_name(model.name + ".json").read_text()),
    }


@pytest.fixture(scope="module")
def int8_export(assets, tmp_path_factory) -> dict:
    """The default: no preset, no target named. Module-scoped fixtures are set up before the autouse
    per-test $SMARTCAMRT_HOME, so this one sets its own (empty): a sensitivity analysis cached on the
    machine must not change what the test sees."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SMARTCAMRT_HOME", str(tmp_path_factory.mktemp("smartcamrt-home")))
        return export_int8(tmp_path_factory.mktemp("onnx-int8"))


def test_row():
    row = FORMATS["onnx-int8"]
    assert (row.suffix, row.precision, row.runtime) == (".int8.onnx", "int8", "ort")
    assert row.suffix.endswith(FORMATS["onnx"].suffix)  # the engine picks the backend by the last suffix
    assert row.quantized and not FORMATS["onnx"].quantized
    assert (row.input_name, row.output_name) == ("images", "output0")
    # int8 is judged by what it detects: a floor below the fp32 default but far above a broken model
    assert 0.5 < row.tolerance.min_map50 < DEFAULT_MIN_MAP50


def test_cli_prints_the_quantization_and_the_artifact_path(int8_export):
    model, lines = int8_export["model"], int8_export["lines"]
    assert model.is_absolute() and model.name == f"yolov5n-{IMGSZ}.int8.onnx"
    choice = choose_preset(read_host_cpu(), DEFAULT_TARGET_ISA)
    assert f"int8 preset {choice.preset}: {choice.reason}" in lines
    assert f"validated on {read_host_cpu().describe()}" in lines
    (summary,) = [line for line in lines if line.startswith("quantization: ")]
    assert f"from {CALIBRATION_IMAGES} coco128 images" in summary and "uint8 activations" in summary
    assert any(line.startswith("parity vs pytorch") and "passed" in line for line in lines)


def test_graph_is_qdq_with_the_decode_in_float(int8_export, checkpoint):
    model = onnx.load(str(int8_export["model"]))
    onnx.checker.check_model(model)
    ops = collections.Counter(node.op_type for node in model.graph.node)
    assert ops["Conv"] == 60 and ops["QuantizeLinear"] >= 60 and ops["DequantizeLinear"] >= 120
    (graph_input,) = model.graph.input
    (graph_output,) = model.graph.output
    assert (graph_input.name, graph_output.name) == ("images", "output0")
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_value for d in graph_output.type.tensor_type.shape.dim] == [1, N_320, 85]
    # The Detect decode stays float: no QuantizeLinear after the head's sigmoids.
    producers = {out: node for node in model.graph.node for out in node.output}
    (last,) = [node for node in model.graph.node if "output0" in node.output]
    assert last.op_type == "Concat"
    assert all(producers[name].op_type != "DequantizeLinear" for name in last.input)
    metadata = {p.key: p.value for p in model.metadata_props}
    assert json.loads(metadata["names"]) == checkpoint.names


def test_weights_are_a_third_of_the_fp32_file(int8_export, onnx_model):
    ratio = int8_export["model"].stat().st_size / onnx_model.stat().st_size
    assert 0.2 < ratio < 0.35, ratio  # measured 0.29: int8 weights + fp32 biases/scales


def test_manifest_records_the_quantization_the_cpu_and_the_agreement(int8_export):
    model, manifest = int8_export["model"], int8_export["manifest"]
    assert (manifest["format"], manifest["precision"], manifest["runtime"]) == ("onnx-int8", "int8", "ort")
    assert manifest["files"] == [
        {"file": model.name, "sha256": manifest["sha256"], "size_bytes": model.stat().st_size}
    ]
    assert manifest["size_bytes"] == model.stat().st_size
    host = read_host_cpu()
    assert manifest["validated_on"] == {"cpu": host.model, "arch": host.arch, "isa": host.isa}
    choice = choose_preset(host, DEFAULT_TARGET_ISA)
    config = get_preset(choice.preset)
    quantization = manifest["quantization"]
    assert quantization["preset"] == choice.preset and quantization["format"] == "QDQ"
    assert (quantization["target_isa"], quantization["reason"]) == (DEFAULT_TARGET_ISA, choice.reason)
    assert quantization["saturates_without_vnni"] is saturates_without_vnni(config)
    assert quantization["calibration_images"] == CALIBRATION_IMAGES  # the option overrides the preset
    assert (quantization["activation_type"], quantization["weight_type"]) == (
        config.activation_type,
        config.weight_type,
    )
    assert quantization["per_channel"] is True and quantization["keep_decode_float"] is True
    # this test's $SMARTCAMRT_HOME holds no sensitivity analysis: every block int8, and the manifest says so
    assert quantization["keep_float"] == []
    assert quantization["keep_float_source"].startswith("no sensitivity analysis cached")
    parity = manifest["parity"]
    agreement = parity["detection_agreement"]
    assert parity["passed"] is True and agreement["images"] == AGREEMENT_IMAGES
    assert FORMATS["onnx-int8"].tolerance.min_map50 == agreement["min"] <= agreement["value"] < 1.0
    assert parity["cosine"] >= FORMATS["onnx-int8"].tolerance.min_cosine


def test_the_portable_target_is_exact_everywhere_and_passes_the_floor(tmp_path):
    """u8 x u8: the same detections with or without VNNI (measured under qemu's Haswell, see
    docs/quantization.md), and here above the floor like the default."""
    export = export_int8(tmp_path, "--target-isa", "portable")
    quantization = export["manifest"]["quantization"]
    assert (quantization["preset"], quantization["target_isa"]) == (PORTABLE_PRESET, "portable")
    assert quantization["saturates_without_vnni"] is False and quantization["weights_as_uint8"] is True
    model = onnx.load(str(export["model"]))
    stored = {init.name: init.data_type for init in model.graph.initializer}
    weights = [node.input[0] for node in model.graph.node if node.op_type == "DequantizeLinear"]
    weight_types = {stored[name] for name in weights if name in stored and name.endswith("weight_quantized")}
    assert weight_types == {onnx.TensorProto.UINT8}  # no int8 weight left for vpmaddubsw to saturate
    assert export["manifest"]["parity"]["passed"] is True


def test_a_measured_analysis_for_this_graph_keeps_its_blocks_float(onnx_model, tmp_path, monkeypatch):
    """What `int8-sensitivity --scheme ort` caches is applied: the blocks' convolutions have float weights
    in the file and the manifest names them, read back from it. The portable preset (u8 x u8, the same
    integers as u8 x s8) uses the u8s8 analysis."""
    home = tmp_path / "home"
    monkeypatch.setenv("SMARTCAMRT_HOME", str(home))
    (home / "quantization").mkdir(parents=True)
    analysis = home / "quantization" / f"yolov5n-{IMGSZ}.ort-qdq-u8s8.sensitivity.json"
    record = {"key": {"imgsz": IMGSZ}, "input_hw": [IMGSZ, IMGSZ], "keep_float": ["model.1", "model.24.m.1"],
              "graph_signature": graph_signature(onnx.load(str(onnx_model)))}  # fmt: skip
    analysis.write_text(json.dumps(record))
    export = export_int8(tmp_path / "out", "--target-isa", "portable")
    assert f"kept in float: model.1, model.24.m.1 (sensitivity analysis {analysis})" in export["lines"]
    quantization = export["manifest"]["quantization"]
    assert quantization["keep_float"] == ["model.1", "model.24.m.1"]
    assert quantization["keep_float_source"] == f"sensitivity analysis {analysis}"
    model = onnx.load(str(export["model"]))
    producers = {out: node.op_type for node in model.graph.node for out in node.output}
    float_weights = sorted(
        node.input[1]
        for node in model.graph.node
        if node.op_type == "Conv" and node.input[1] not in producers
    )
    assert float_weights == ["model.1.conv.weight", "model.24.m.1.weight"]
    assert export["manifest"]["parity"]["passed"] is True


def test_finds_what_fp32_finds_on_bus(int8_export, onnx_model, assets):
    batch, info = preprocess(cv2.imread(str(assets / "images" / "bus.jpg")), (IMGSZ, IMGSZ))
    fp32 = postprocess(open_onnx_runner(onnx_model)(batch), info)
    int8 = postprocess(open_onnx_runner(int8_export["model"])(batch), info)
    assert len(fp32) >= 4 and sorted(int8.class_ids.tolist()) == sorted(fp32.class_ids.tolist())
    iou = box_iou(fp32.boxes, int8.boxes)
    assert (int8.class_ids[iou.argmax(axis=1)] == fp32.class_ids).all()
    assert iou.max(axis=1).min() >= 0.8
    np.testing.assert_allclose(np.sort(int8.scores), np.sort(fp32.scores), atol=0.1)


def test_unknown_preset_is_one_line_listing_the_known_ones(capsys, tmp_path):
    args = ["export", "--weights", "yolov5n.pt", "--format", "onnx-int8", "--out", str(tmp_path)]
    assert main([*args, "--quant-preset", "avx9-magic"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "unknown quantization preset 'avx9-magic'" in err
    assert err.split("known presets: ")[1].split(", ") == sorted(QUANT_PRESETS)
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_preset_options_are_refused_for_float_formats(capsys, tmp_path):
    args = ["export", "--weights", "yolov5n.pt", "--format", "onnx", "--out", str(tmp_path)]
    assert main([*args, "--quant-preset", "qdq-u8s8"]) == 2
    err = capsys.readouterr().err.strip()
    assert "apply to quantized formats (onnx-int8), not to 'onnx'" in err and "\n" not in err
    assert main([*args, "--calibration-images", "8"]) == 2
    assert main([*args, "--target-isa", "portable"]) == 2
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--quant-preset", "qdq-u8s8"], "cannot be validated on this CPU, AMD EPYC 7B12"),
        (
            ["--quant-preset", "qdq-u8s8", "--target-isa", "portable"],
            "qdq-u8s8 saturates on x86 without VNNI",
        ),
        (["--target-isa", "vnni"], "cannot be validated on this CPU, AMD EPYC 7B12"),
    ],
)
def test_what_would_saturate_is_refused_before_anything_is_written(
    monkeypatch, capsys, tmp_path, options, message
):
    """On an AVX2-only host (made up here) full-range u8 x s8 can be neither the target nor validated."""
    monkeypatch.setattr(pipeline, "read_host_cpu", lambda: AVX2_ONLY)
    args = ["export", "--weights", "yolov5n.pt", "--format", "onnx-int8", "--out", str(tmp_path)]
    assert main([*args, *options]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not list(tmp_path.iterdir())


def test_more_calibration_images_than_coco128_has_fails_before_exporting(tmp_path):
    from smartcamrt_tools.errors import ToolError

    with pytest.raises(ToolError, match="200 calibration images asked for, but coco128 has 128"):
        export_model("yolov5n.pt", "onnx-int8", tmp_path, imgsz=IMGSZ, calibration_count=200)
    assert not list(tmp_path.iterdir())
