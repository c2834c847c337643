"""Parameters and FLOPs of an ONNX model, counted from its graph with the real tensor shapes.

    .venv/bin/python scripts/bench/onnx_cost.py MODEL.onnx [--length 8 16 ...]

How: every intermediate tensor is made a graph output and the model is run once in ONNX Runtime on a
zero input of the given shape (a text model at each sequence length, a detector at its image size), so
each node's input and output shapes are the ones the runtime sees (no symbolic shape inference to get
wrong). From those shapes:

- multiply-accumulates (MACs) of the dense ops: Conv/ConvInteger (output elements x Cin/group x kernel
  area), MatMul/MatMulInteger/Gemm (output elements x the reduced dimension), LSTM (steps x directions x
  4 gates x hidden x (input + hidden)), GRU (3 gates); FLOPs = 2 x MACs (the convention of the papers and
  of `thop`/Ultralytics: yolov5n at 640 is given as 4.5 GFLOPs there);
- `attention_flops`: the part of the MatMul FLOPs whose two operands are both activations (no weight):
  in a transformer that is Q.K^T and softmax.V, the part that grows with the square of the length;
- `other_ops`: one operation per output element of every other arithmetic node (adds, activations,
  normalisation, softmax), reported apart because it is small and its cost per element varies;
- parameters: the elements of every initializer with more than one element (weights and biases; for an
  int8 model the quantized weights, plus their per-channel scales).
"""

from __future__ import annotations

import argparse
import json
from math import prod
from pathlib import Path

import numpy as np
import onnx

# Arithmetic nodes counted as one operation per output element (`other_ops`).
ELEMENTWISE = {
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Softmax",
    "LogSoftmax", "ReduceMean", "ReduceSum", "ReduceMax", "Exp", "Log", "Neg", "Abs", "Max", "Min",
    "Where", "HardSigmoid", "HardSwish", "LayerNormalization", "Gelu", "Clip", "BatchNormalization",
    "DynamicQuantizeLinear", "DequantizeLinear", "QuantizeLinear", "Cast",
}  # fmt: skip

_NUMPY_TYPES = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_}


def parameter_count(model: onnx.ModelProto) -> int:
    return sum(prod(init.dims) for init in model.graph.initializer if prod(init.dims) > 1)


def _shapes(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict[str, tuple[int, ...]]:
    """Shape of every tensor in the graph, by running it once with every node output exposed."""
    import onnxruntime as ort

    exposed = onnx.ModelProto()
    exposed.CopyFrom(model)
    known = {out.name for out in exposed.graph.output}
    for node in exposed.graph.node:
        for name in node.output:
            if name and name not in known:
                exposed.graph.output.append(onnx.ValueInfoProto(name=name))
                known.add(name)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep every node
    options.log_severity_level = 3
    session = ort.InferenceSession(exposed.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [out.name for out in session.get_outputs()]
    values = session.run(names, feeds)
    shapes = {name: tuple(np.shape(value)) for name, value in zip(names, values, strict=True)}
    shapes.update({name: tuple(value.shape) for name, value in feeds.items()})
    shapes.update({init.name: tuple(init.dims) for init in model.graph.initializer})
    return shapes


def _feeds(model: onnx.ModelProto, length: int | None) -> dict[str, np.ndarray]:
    """A zero input per graph input: symbolic dimensions are 1, except the last of a 2-D id input,
    which is the sequence length."""
    initializers = {init.name for init in model.graph.initializer}
    feeds = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else 1 for d in tensor.shape.dim]
        if length is not None and len(dims) == 2:
            dims[1] = length
        dtype = _NUMPY_TYPES.get(tensor.elem_type, np.float32)
        feeds[value.name] = (np.ones if dtype != np.float32 else np.zeros)(dims, dtype=dtype)
    return feeds


def count(model: onnx.ModelProto, length: int | None = None) -> dict:
    """MACs, FLOPs, attention FLOPs and other operations at one input shape (see the module doc)."""
    shapes = _shapes(model, _feeds(model, length))
    weights = {init.name for init in model.graph.initializer}
    for node in model.graph.node:  # constants folded into nodes count as weights too
        if node.op_type == "Constant":
            weights.update(node.output)
    macs = attention_macs = other = 0
    for node in model.graph.node:
        out = shapes.get(node.output[0]) if node.output else None
        if out is None:
            continue
        op = node.op_type
        if op in ("Conv", "ConvInteger", "QLinearConv"):
            weight = shapes[node.input[3 if op == "QLinearConv" else 1]]
            macs += prod(out) * prod(weight[1:])
        elif op in ("MatMul", "MatMulInteger", "QLinearMatMul", "Gemm", "FusedMatMul"):
            a_name = node.input[0]
            b_name = node.input[3 if op == "QLinearMatMul" else 1]
            a = shapes[a_name]
            trans_a = any(attr.name == "transA" and attr.i for attr in node.attribute)
            reduced = a[-2] if trans_a else a[-1]
            node_macs = prod(out) * reduced
            macs += node_macs
            if a_name not in weights and b_name not in weights:
                attention_macs += node_macs
        elif op in ("LSTM", "GRU"):
            x, w = shapes[node.input[0]], shapes[node.input[1]]  # X [seq, batch, in], W [dirs, G*H, in]
            hidden = w[1] // (4 if op == "LSTM" else 3)
            macs += x[0] * x[1] * w[0] * w[1] * (w[2] + hidden)
        elif op in ELEMENTWISE:
            other += prod(out)
    return {
        "length": length,
        "macs": macs,
        "flops": 2 * macs,
        "attention_flops": 2 * attention_macs,
        "other_ops": other,
    }


def model_cost(path: Path, lengths: list[int | None]) -> dict:
    model = onnx.load(str(path))
    return {
        "model": path.name,
        "parameters": parameter_count(model),
        "by_length": [count(model, length) for length in lengths],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument(
        "--length", type=int, nargs="*", default=[None], help="sequence lengths (text models)"
    )
    args = parser.parse_args()
    cost = model_cost(args.model, args.length)
    print(json.dumps(cost, indent=2))


if __name__ == "__main__":
    main()
