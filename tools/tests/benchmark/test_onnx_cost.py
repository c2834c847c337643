"""scripts/bench/onnx_cost.py: FLOPs counted from tiny graphs built here, whose work is known by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts" / "bench"))
from onnx_cost import count, parameter_count  # noqa: E402

VOCAB, EMBED = 10, 4


def _weight(name: str, shape: tuple[int, ...]) -> TensorProto:
    return numpy_helper.from_array(np.full(shape, 0.01, dtype=np.float32), name)


def _text_model(nodes: list, initializers: list, output: str) -> onnx.ModelProto:
    """ids [1, L] -> embedding [1, L, 4] ('x') -> the given nodes -> output."""
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "L"])
    out = helper.make_tensor_value_info(output, TensorProto.FLOAT, None)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["embedding", "input_ids"], ["x"]), *nodes],
        "tiny",
        [ids],
        [out],
        [_weight("embedding", (VOCAB, EMBED)), *initializers],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


@pytest.mark.parametrize("length", [3, 7])
def test_dense_and_attention_matmuls(length: int) -> None:
    # x W (a weight: dense) and x x^T (two activations: attention-like, grows with L^2)
    model = _text_model(
        [
            helper.make_node("MatMul", ["x", "w"], ["dense"]),
            helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
            helper.make_node("MatMul", ["x", "xt"], ["scores"]),
            helper.make_node("Softmax", ["scores"], ["probs"], axis=-1),
        ],
        [_weight("w", (EMBED, 3))],
        "probs",
    )
    model.graph.output.append(helper.make_tensor_value_info("dense", TensorProto.FLOAT, None))
    cost = count(model, length)
    dense, attention = length * EMBED * 3, length * length * EMBED
    assert cost["macs"] == dense + attention
    assert cost["flops"] == 2 * (dense + attention)
    assert cost["attention_flops"] == 2 * attention
    assert cost["other_ops"] == length * length  # the softmax, one per output element
    assert parameter_count(model) == VOCAB * EMBED + EMBED * 3


def test_bidirectional_lstm() -> None:
    hidden, length = 5, 6
    model = _text_model(
        [
            helper.make_node("Transpose", ["x"], ["steps"], perm=[1, 0, 2]),  # [L, 1, 4]
            helper.make_node(
                "LSTM", ["steps", "W", "R"], ["y"], hidden_size=hidden, direction="bidirectional"
            ),
        ],
        [_weight("W", (2, 4 * hidden, EMBED)), _weight("R", (2, 4 * hidden, hidden))],
        "y",
    )
    # per step and direction: 4 gates x hidden x (input + hidden)
    assert count(model, length)["macs"] == length * 2 * 4 * hidden * (EMBED + hidden)


def test_grouped_convolution() -> None:
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 4, 8, 8])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    conv = helper.make_node("Conv", ["images", "k"], ["y"], pads=[1, 1, 1, 1], strides=[2, 2], group=2)
    graph = helper.make_graph([conv], "conv", [image], [out], [_weight("k", (6, 2, 3, 3))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    # output [1, 6, 4, 4]; each element reads Cin/group (2) x 3 x 3 inputs
    assert count(model)["macs"] == 6 * 4 * 4 * 2 * 3 * 3
