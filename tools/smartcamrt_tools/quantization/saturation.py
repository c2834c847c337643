"""Whether a QDQ model's int8 convolutions can saturate on x86 without VNNI, read from the model itself.

ONNX Runtime runs a Conv whose input and weight come through DequantizeLinear as an integer convolution.
With uint8 activations and int8 weights, x86 without VNNI multiplies with ``vpmaddubsw``: two u8 x s8
products summed into a saturating int16. 255 x (64 + 64) = 32640 still fits, 255 x (65 + 65) does not,
so weights within -64..64 are safe (ONNX Runtime's own ``Avx2WeightS8ToU8Transformer`` uses the same
bound). uint8 weights go through the u8 x u8 kernels, which widen to int16 before multiplying, and int8
activations through kernels without the 16-bit sum: neither saturates.

The export records this for the artifact it wrote (``quantization.saturates_without_vnni``), so the
statement rests on the file, not on the preset's name.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

SAFE_WEIGHT_MAGNITUDE = 64  # |w| <= 64: any pair of u8 x s8 products fits int16 (255 x 128 = 32640)
_INTEGER_OPS = ("Conv", "MatMul", "Gemm")


def saturating_nodes(model: onnx.ModelProto) -> list[str]:
    """Names of the integer Conv/MatMul/Gemm nodes with uint8 activations and int8 weights beyond +-64."""
    initializers = {init.name: init for init in model.graph.initializer}
    producers = {out: node for node in model.graph.node for out in node.output}

    def dequantized(name: str) -> tuple[onnx.NodeProto, int] | None:
        """The DequantizeLinear feeding ``name`` and its integer element type, if there is one."""
        node = producers.get(name)
        if node is None or node.op_type != "DequantizeLinear":
            return None
        if len(node.input) > 2 and node.input[2] in initializers:  # the zero point carries the type
            return node, initializers[node.input[2]].data_type
        source = initializers.get(node.input[0])
        return (node, source.data_type) if source is not None else None

    found = []
    for node in model.graph.node:
        if node.op_type not in _INTEGER_OPS or len(node.input) < 2:
            continue
        activation, weight = dequantized(node.input[0]), dequantized(node.input[1])
        if activation is None or weight is None:
            continue  # a float op: nothing integer to saturate
        if activation[1] != onnx.TensorProto.UINT8 or weight[1] != onnx.TensorProto.INT8:
            continue
        values = initializers.get(weight[0].input[0])
        if values is None:
            continue  # weights computed at run time: not what this project exports
        if np.abs(numpy_helper.to_array(values).astype(np.int32)).max() > SAFE_WEIGHT_MAGNITUDE:
            found.append(node.name)
    return found
