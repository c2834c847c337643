"""The onnx-int8 row's measured float blocks: blocks found by weight name, ``nodes_to_exclude`` really
leaving them float in the written file (a tiny model built in code), the record read back from the file,
the analysis' folds, ranking, stopping rule and cache lookup."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.quantization import QUANT_PRESETS, QuantConfig, quantize_onnx
from smartcamrt_tools.quantization import ort_sensitivity as ort
from smartcamrt_tools.quantization.float_blocks import (
    conv_blocks,
    float_conv_blocks,
    keep_float_record,
    nodes_of_blocks,
)

HW = (32, 32)


def tiny_yolo_like(path) -> onnx.ModelProto:
    """images -> Conv(model.0) -> SiLU -> Conv(model.1, two convs) -> SiLU -> Conv(model.2.m.0: the
    "Detect" layer, the highest index) -> Sigmoid (the decode) -> output0, weights named as the exporter
    names the checkpoint's."""
    rng = np.random.default_rng(0)
    inits, nodes = [], []
    layers = [
        ("c0", "model.0.conv", 3, 8, 3),
        ("c1", "model.1.cv1.conv", 8, 8, 3),
        ("c2", "model.1.cv2.conv", 8, 8, 1),
    ]
    previous = "images"
    for name, weight, cin, cout, k in layers:
        inits += [
            numpy_helper.from_array(
                rng.normal(0, 0.3, (cout, cin, k, k)).astype(np.float32), f"{weight}.weight"
            ),
            numpy_helper.from_array(rng.normal(0, 0.1, cout).astype(np.float32), f"{weight}.bias"),
        ]
        nodes += [
            helper.make_node(
                "Conv",
                [previous, f"{weight}.weight", f"{weight}.bias"],
                [f"{name}_out"],
                name=name,
                pads=[k // 2] * 4,
            ),  # fmt: skip
            helper.make_node("Sigmoid", [f"{name}_out"], [f"{name}_sig"], name=f"{name}_sigmoid"),
            helper.make_node("Mul", [f"{name}_out", f"{name}_sig"], [f"{name}_silu"], name=f"{name}_mul"),
        ]
        previous = f"{name}_silu"
    inits += [
        numpy_helper.from_array(rng.normal(0, 0.3, (6, 8, 1, 1)).astype(np.float32), "model.2.m.0.weight"),
        numpy_helper.from_array(np.zeros(6, np.float32), "model.2.m.0.bias"),
    ]
    nodes += [
        helper.make_node("Conv", [previous, "model.2.m.0.weight", "model.2.m.0.bias"], ["head"], name="head"),
        helper.make_node("Sigmoid", ["head"], ["output0"], name="decode_sigmoid"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, *HW])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 6, *HW])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.onnx"
    return path, tiny_yolo_like(path)


def weight_is_float(model: onnx.ModelProto, conv: str) -> bool:
    """The conv's weight is a float initializer read directly (not produced by a DequantizeLinear)."""
    (node,) = [n for n in model.graph.node if n.name == conv]
    initializers = {init.name: init for init in model.graph.initializer}
    weight = initializers.get(node.input[1])
    return weight is not None and weight.data_type == TensorProto.FLOAT


def test_blocks_are_read_from_weight_names_and_the_highest_layer_is_detect(tiny):
    _, model = tiny
    assert conv_blocks(model) == {"model.0": ["c0"], "model.1": ["c1", "c2"], "model.2.m.0": ["head"]}
    assert nodes_of_blocks(model, ["model.1"]) == ["c1", "c2"]
    with pytest.raises(ToolError, match="model.7"):
        nodes_of_blocks(model, ["model.7"])  # an analysis for another graph keeps nothing silently


def test_excluded_blocks_stay_float_in_the_written_file_and_the_rest_is_int8(tiny, tmp_path):
    path, _ = tiny
    config = QuantConfig(calibration_images=4)
    out = tmp_path / "int8.onnx"
    result = quantize_onnx(path, out, config, HW, "images", keep_float=["model.1"], keep_float_source="test")
    assert result.keep_float_nodes == ["c1", "c2"] and result.excluded_nodes == ["decode_sigmoid"]
    model = onnx.load(str(out))
    assert weight_is_float(model, "c1") and weight_is_float(model, "c2")
    assert not weight_is_float(model, "c0") and not weight_is_float(model, "head")
    assert float_conv_blocks(model) == ["model.1"]
    assert keep_float_record(model) == {"keep_float": ["model.1"], "keep_float_source": "test"}

    everything = tmp_path / "all-int8.onnx"
    quantize_onnx(path, everything, config, HW, "images")
    model = onnx.load(str(everything))
    assert float_conv_blocks(model) == []
    assert keep_float_record(model) == {"keep_float": [], "keep_float_source": "not recorded"}


def test_weights_as_uint8_keeps_the_float_blocks_and_the_source(tiny, tmp_path):
    """The portable preset's post-processing (weights + 128) must not lose the exclusion or the note."""
    path, _ = tiny
    config = QuantConfig(calibration_images=4, weights_as_uint8=True)
    out = tmp_path / "u8u8.onnx"
    quantize_onnx(path, out, config, HW, "images", keep_float=["model.0"], keep_float_source="analysis X")
    assert keep_float_record(onnx.load(str(out))) == {
        "keep_float": ["model.0"],
        "keep_float_source": "analysis X",
    }


def test_presets_share_an_analysis_only_when_they_compute_the_same_integers():
    assert ort.scheme_name("qdq-u8u8") == ort.scheme_name("qdq-u8s8") == "ort-qdq-u8s8"
    assert ort.scheme_name("qdq-u8s8-reduce-range") == "ort-qdq-u8s8-reduce-range"
    for name, preset in QUANT_PRESETS.items():
        assert ort.preset_of(dataclasses.replace(preset, calibration_images=16)) == name
    assert ort.preset_of(QuantConfig(calibrate_method="percentile")) is None
    # scored on kernels that cannot saturate, so the CPU running the analysis does not change it
    assert ort.scoring_config("qdq-u8s8", 64).weights_as_uint8 is True
    assert ort.scoring_config("qdq-s8s8", 64).weights_as_uint8 is False


def test_folds_score_only_images_their_model_was_not_calibrated_on(tmp_path):
    images = [tmp_path / f"{i:03d}.jpg" for i in range(10)]
    folds = ort.fold_images(images, 3)
    assert sorted(p for _, scored in folds for p in scored) == images  # every image scored once
    for calibrated, scored in folds:
        assert not set(calibrated) & set(scored) and sorted(calibrated + scored) == images
    assert ort.fold_images(images, 1) == [(images, images)]
    with pytest.raises(ToolError, match="--folds"):
        ort.fold_images(images, 11)


def test_steps_follow_the_measured_ranking_and_stop_at_the_goal():
    per_block = [
        {"block": "model.1", "gain": 0.14},
        {"block": "model.5", "gain": -0.2},  # float made it worse: never kept
        {"block": "model.6", "gain": 0.10},
        {"block": "model.9", "gain": 0.05},
    ]
    scores = {("model.1",): 0.30, ("model.1", "model.6"): 0.325, ("model.1", "model.6", "model.9"): 0.326}
    scored = []

    def score(keep):
        scored.append(list(keep))
        return {"mAP50-95": scores[tuple(keep)], "mAP50": 0.5, "error": 0.0}

    steps = ort.choose_keep_float(0.33, per_block, score, max_drop=1.0, max_blocks=6, log=lambda _: None)
    assert scored == [["model.1"], ["model.1", "model.6"]]  # 0.325 is within 1 point of 0.33: stop
    assert ort.best_step([{"keep_float": [], "mAP50-95": 0.31}, *steps])["keep_float"] == [
        "model.1",
        "model.6",
    ]
    steps = ort.choose_keep_float(0.33, per_block, score, max_drop=0.1, max_blocks=2, log=lambda _: None)
    assert [s["keep_float"] for s in steps] == [["model.1"], ["model.1", "model.6"]]  # max_blocks


def test_output_error_is_zero_for_fp32_and_grows_with_what_detection_sees():
    rng = np.random.default_rng(1)
    reference = [rng.uniform(0, 1, (50, 85)).astype(np.float32) for _ in range(3)]
    assert ort.output_error(reference, reference, HW) == 0.0
    scores_off = [r.copy() for r in reference]
    for r in scores_off:
        r[:, 4] += 0.1
    boxes_off = [r.copy() for r in reference]
    for r in boxes_off:
        r[:, :4] += 0.1
    assert ort.output_error(reference, scores_off, HW) > ort.output_error(reference, boxes_off, HW) > 0


def test_the_export_finds_an_analysis_only_for_its_own_graph_and_size(tiny, monkeypatch, tmp_path):
    _, model = tiny
    monkeypatch.setenv("SMARTCAMRT_HOME", str(tmp_path))
    folder = tmp_path / "quantization"
    folder.mkdir()
    assert ort.find_result(model, (320, 320), "qdq-u8s8") is None
    for size, keep in ((320, ["model.1"]), (640, ["model.0"])):
        record = {"key": {"imgsz": size}, "input_hw": [size, size], "keep_float": keep,
                  "graph_signature": ort.graph_signature(model)}  # fmt: skip
        (folder / f"tiny-{size}.ort-qdq-u8s8.sensitivity.json").write_text(json.dumps(record))
    other = {"key": {"imgsz": 416}, "input_hw": [416, 416], "keep_float": ["model.2"], "graph_signature": "x"}
    (folder / "other-416.ort-qdq-u8s8.sensitivity.json").write_text(json.dumps(other))
    assert ort.find_result(model, (640, 640), "qdq-u8u8")["keep_float"] == ["model.0"]  # same integers
    assert ort.find_result(model, (416, 416), "qdq-u8s8") is None  # only the size it was measured at
    assert ort.find_result(model, (320, 320), "qdq-s8s8") is None  # another grid: no analysis
