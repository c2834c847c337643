"""Blocks of a YOLOv5 ONNX graph kept in float by ONNX Runtime's static quantizer, named as the other int8
rows name them (``model.<i>``, ``model.<detect>.m.<j>``: :mod:`~smartcamrt_tools.quantization.sensitivity`).

The dynamo exporter names nodes ``node_conv2d_<k>`` without module paths, but every Conv's weight
initializer keeps the checkpoint's name (``model.2.m.0.cv1.conv.weight``, ``model.24.m.1.weight``), so a
Conv's block is read from its weight, with no reliance on node order. What the manifest says was kept in
float is read back from the written file (:func:`keep_float_record`): a Conv whose weight is still a float
initializer, not the output of a DequantizeLinear.
"""

from __future__ import annotations

from collections.abc import Sequence

import onnx

from ..errors import ToolError

# The exporter writes which analysis chose the float blocks into the model's metadata, so the record read
# back from the file can name it (the engine ignores metadata keys it does not know).
SOURCE_METADATA_KEY = "smartcamrt.int8.keep_float_source"


def _block_of(weight: str, detect_index: int) -> str | None:
    parts = weight.split(".")
    if len(parts) < 3 or parts[0] != "model" or not parts[1].isdigit():
        return None
    if int(parts[1]) == detect_index and len(parts) >= 4 and parts[2] == "m":
        return ".".join(parts[:4])  # a head convolution: model.24.m.<j>
    return ".".join(parts[:2])


def conv_blocks(model: onnx.ModelProto) -> dict[str, list[str]]:
    """``{block: [Conv node names]}`` in graph order; the Detect layer is the highest ``model.<i>`` index
    (its convolutions are blocks of their own, one per level, as in the PT2E analysis)."""
    weights = [
        (node, node.input[1]) for node in model.graph.node if node.op_type == "Conv" and len(node.input) > 1
    ]
    indices = [
        int(w.split(".")[1]) for _, w in weights if w.startswith("model.") and w.split(".")[1].isdigit()
    ]
    detect_index = max(indices, default=-1)
    blocks: dict[str, list[str]] = {}
    for node, weight in weights:
        block = _block_of(weight, detect_index)
        if block is not None:
            blocks.setdefault(block, []).append(node.name)
    return blocks


def nodes_of_blocks(model: onnx.ModelProto, keep_float: Sequence[str]) -> list[str]:
    """The Conv nodes of ``keep_float`` blocks: ORT's ``nodes_to_exclude``. A block that the graph does not
    have is refused: an analysis for another model must not silently keep nothing float."""
    blocks = conv_blocks(model)
    missing = [block for block in keep_float if block not in blocks]
    if missing:
        raise ToolError(
            f"blocks to keep in float not in this model: {', '.join(missing)} (it has {', '.join(blocks)})"
        )
    return [name for block in keep_float for name in blocks[block]]


def float_conv_blocks(model: onnx.ModelProto) -> list[str]:
    """Blocks of a quantized model with at least one Conv whose weight was left in float, in graph order."""
    producers = {out: node for node in model.graph.node for out in node.output}
    float_nodes = set()
    for node in model.graph.node:
        if node.op_type == "Conv" and len(node.input) > 1:
            producer = producers.get(node.input[1])
            if producer is None or producer.op_type != "DequantizeLinear":
                float_nodes.add(node.name)
    return [block for block, nodes in conv_blocks(model).items() if float_nodes.intersection(nodes)]


def keep_float_record(model: onnx.ModelProto) -> dict:
    """The manifest's ``keep_float`` (read from the file) and ``keep_float_source`` (the exporter's note)."""
    source = next((p.value for p in model.metadata_props if p.key == SOURCE_METADATA_KEY), None)
    return {"keep_float": float_conv_blocks(model), "keep_float_source": source or "not recorded"}
