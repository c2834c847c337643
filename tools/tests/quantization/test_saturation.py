"""saturating_nodes reads from the model file whether x86 without VNNI could saturate it: on hand-built
QDQ convolutions, and on every preset quantizing the real export (what the config predicts must be what the
file holds). Then ONNX Runtime itself on a worst-case convolution: shifted to uint8 weights it is exact on
any CPU, and full-range u8 x s8 saturates exactly where isa.py says it does."""

from __future__ import annotations

import dataclasses

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from smartcamrt_tools.quantization import QUANT_PRESETS, get_preset, quantize_onnx
from smartcamrt_tools.quantization.isa import read_host_cpu, saturates_without_vnni
from smartcamrt_tools.quantization.saturation import SAFE_WEIGHT_MAGNITUDE, saturating_nodes
from smartcamrt_tools.quantization.static import shift_weights_to_uint8

IMGSZ = 320


def qdq_conv(weights: np.ndarray, activation_type: int = TensorProto.UINT8) -> onnx.ModelProto:
    """x -> Q -> DQ -> Conv(DQ(weights)) -> y: the pattern ONNX Runtime runs as an integer convolution."""
    act_zero = np.array(128 if activation_type == TensorProto.UINT8 else 0)
    weight_zero = np.zeros(weights.shape[0], dtype=weights.dtype)
    initializers = [
        numpy_helper.from_array(np.array(0.02, np.float32), "x_scale"),
        numpy_helper.from_array(act_zero.astype(helper.tensor_dtype_to_np_dtype(activation_type)), "x_zero"),
        numpy_helper.from_array(weights, "w"),
        numpy_helper.from_array(np.full(weights.shape[0], 0.01, np.float32), "w_scale"),
        numpy_helper.from_array(weight_zero, "w_zero"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "x_scale", "x_zero"], ["xq"], name="q"),
        helper.make_node("DequantizeLinear", ["xq", "x_scale", "x_zero"], ["xd"], name="dq"),
        helper.make_node("DequantizeLinear", ["w", "w_scale", "w_zero"], ["wd"], name="dq_w", axis=0),
        helper.make_node("Conv", ["xd", "wd"], ["y"], name="conv"),
    ]
    graph = helper.make_graph(
        nodes,
        "qdq-conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])],
        initializers,
    )
    # IR version 8 (opset 17's): onnx's newest default can be ahead of what ONNX Runtime reads.
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def weights(largest: int, dtype=np.int8) -> np.ndarray:
    values = np.zeros((2, 2, 1, 1), dtype=dtype)
    values[1, 0, 0, 0] = largest
    return values


def test_int8_weights_beyond_64_saturate_and_within_do_not():
    """255 x (64 + 64) = 32640 fits int16; 255 x (65 + 65) = 33150 does not."""
    assert SAFE_WEIGHT_MAGNITUDE == 64
    assert saturating_nodes(qdq_conv(weights(65))) == ["conv"]
    assert saturating_nodes(qdq_conv(weights(-127))) == ["conv"]
    assert saturating_nodes(qdq_conv(weights(64))) == []
    assert saturating_nodes(qdq_conv(weights(-64))) == []


def test_other_types_do_not_saturate():
    assert saturating_nodes(qdq_conv(weights(255, np.uint8))) == []  # u8 x u8: widened to int16 first
    assert saturating_nodes(qdq_conv(weights(127), TensorProto.INT8)) == []  # s8 activations


def test_a_float_conv_has_nothing_to_saturate():
    model = qdq_conv(weights(127))
    conv = model.graph.node[-1]
    conv.input[0] = "x"  # input straight from the float graph input
    assert saturating_nodes(model) == []


@pytest.mark.parametrize("name", sorted(QUANT_PRESETS))
def test_each_presets_file_holds_what_its_config_predicts(name, onnx_model, tmp_path):
    config = dataclasses.replace(get_preset(name), calibration_images=4)
    out = tmp_path / f"{name}.onnx"
    quantize_onnx(onnx_model, out, config, (IMGSZ, IMGSZ), "images")
    found = saturating_nodes(onnx.load(str(out)))
    assert bool(found) is saturates_without_vnni(config)
    if found:  # full-range u8 x s8: every quantized convolution is at risk
        assert len(found) == 60


# ------------------------------------------------------------------ what ONNX Runtime computes, here

SUM_SCALE = 256.0  # output step: the exact sum and the int16-saturated one land on different steps


def worst_case_conv(shift_to_uint8: bool) -> onnx.ModelProto:
    """Activations 255 (u8) x weights 127 (s8) in both input channels: one pair whose sum, 64770, does not
    fit the int16 that vpmaddubsw adds into. Output requantized so ONNX Runtime fuses a QLinearConv."""
    model = qdq_conv(np.full((2, 2, 1, 1), 127, np.int8))
    x_scale, x_zero = model.graph.initializer[0], model.graph.initializer[1]
    x_scale.CopyFrom(numpy_helper.from_array(np.array(1.0, np.float32), "x_scale"))
    x_zero.CopyFrom(numpy_helper.from_array(np.array(0, np.uint8), "x_zero"))
    model.graph.initializer[3].CopyFrom(numpy_helper.from_array(np.ones(2, np.float32), "w_scale"))
    model.graph.initializer.extend(
        [
            numpy_helper.from_array(np.array(SUM_SCALE, np.float32), "y_scale"),
            numpy_helper.from_array(np.array(0, np.uint8), "y_zero"),
        ]
    )
    model.graph.node[-1].output[0] = "y_float"
    model.graph.node.extend(
        [
            helper.make_node("QuantizeLinear", ["y_float", "y_scale", "y_zero"], ["yq"], name="q_y"),
            helper.make_node("DequantizeLinear", ["yq", "y_scale", "y_zero"], ["y"], name="dq_y"),
        ]
    )
    if shift_to_uint8:
        assert shift_weights_to_uint8(model) == 1
    onnx.checker.check_model(model)
    return model


def run_worst_case(model: onnx.ModelProto) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": np.full((1, 2, 4, 4), 255.0, np.float32)})[0]


EXACT = np.round(255 * 127 * 2 / SUM_SCALE) * SUM_SCALE  # 64768
SATURATED = np.round(32767 / SUM_SCALE) * SUM_SCALE  # 32768: what an int16 holds at most


def test_weights_as_uint8_give_the_exact_sum_on_any_cpu():
    """u8 x u8 widens to int16 before multiplying: no CPU saturates it (also run under qemu's Haswell,
    see docs/quantization.md)."""
    shifted = worst_case_conv(shift_to_uint8=True)
    values = {init.name: numpy_helper.to_array(init) for init in shifted.graph.initializer}
    assert values["w"].dtype == np.uint8 and (values["w"] == 255).all() and (values["w_zero"] == 128).all()
    assert saturating_nodes(shifted) == []
    np.testing.assert_array_equal(run_worst_case(shifted), EXACT)


def test_full_range_u8s8_saturates_exactly_where_isa_py_says():
    """The rule the export's choice rests on, checked against ONNX Runtime on the CPU running the test:
    VNNI (or Arm) -> the exact sum; x86 without VNNI -> the int16-saturated one."""
    model = worst_case_conv(shift_to_uint8=False)
    assert saturating_nodes(model) == ["conv"]
    expected = SATURATED if read_host_cpu().saturates_u8s8 else EXACT
    np.testing.assert_array_equal(run_worst_case(model), expected)
