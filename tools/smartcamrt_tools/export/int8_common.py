"""What the int8 rows other than ``onnx-int8`` share: calibration batches, the float Detect decode, the
blocks kept in float, and the ``quantization`` record of their manifests.

- **Calibration** (:func:`calibration_batches`): letterboxed images of coco128's *training* split only
  (:func:`smartcamrt_tools.evaluation.split.calibration_images`), through the project's own letterbox, so
  the ranges are fitted on what the engine feeds the model and never on an image that evaluates it.
- **Decode in float** (:func:`split_decode`): the YOLOv5 Detect decode (sigmoid, grid/anchor arithmetic
  and the final concat of boxes in pixels with probabilities) would share one int8 scale between values up
  to 640 and values in 0..1 (measured for onnx-int8: agreement 0.19 with a quantized decode). The PT2E
  rows therefore quantize only the *body* (backbone, neck and the three head convolutions) and run the
  decode as float operators after it; NNCF's ignored scope does the same for openvino-int8.
- **Blocks kept in float** (``keep_float``): blocks of the network (``model.<i>``, the checkpoint's layer
  index; ``model.24.m.<j>`` for a head convolution) that the measured sensitivity analysis
  (:mod:`smartcamrt_tools.quantization.sensitivity`) found quantisation hurts most. The rows read the
  analysis' cached result (:func:`keep_float_blocks`); without one they quantize every block.
- **Record** (:func:`quantization_record`): what was quantized, how, on which images, which blocks stayed
  in float and why, and the ISA note.

``CALIBRATION_IMAGES`` (all 64 training images) is the default; tests lower it through the module
attribute, like ``AGREEMENT_IMAGES``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ..errors import ToolError
from ..vision.letterbox import preprocess

CALIBRATION_IMAGES = 64  # coco128's whole training split
# Where the export rows read which blocks to keep in float (written by `smartcamrt-tools int8-sensitivity`);
# tests point it elsewhere through the module attribute.
KEEP_FLOAT_OVERRIDE: list[str] | None = None


def calibration_paths(count: int | None = None) -> list[Path]:
    from ..evaluation.split import calibration_images

    return calibration_images(count or CALIBRATION_IMAGES)


def calibration_batches(input_hw: tuple[int, int], count: int | None = None) -> list[np.ndarray]:
    """``[1, 3, H, W]`` float32 letterboxed batches of the last ``count`` training-split images."""
    batches = []
    for path in calibration_paths(count):
        image = cv2.imread(str(path))
        if image is None:
            raise ToolError(f"cannot decode calibration image {path}")
        batches.append(preprocess(image, input_hw)[0])
    return batches


def keep_float_blocks(input_hw: tuple[int, int], scheme: str = "xnnpack") -> tuple[list[str], str]:
    """(blocks to keep in float, where that came from) for an export at ``input_hw`` whose int8 follows
    ``scheme`` (the sensitivity analysis' ``--scheme``)."""
    if KEEP_FLOAT_OVERRIDE is not None:
        return list(KEEP_FLOAT_OVERRIDE), "set by the caller"
    from ..quantization.sensitivity import read_result

    result = read_result(input_hw, scheme=scheme)
    if result is None:
        return [], "no sensitivity analysis cached for this size: every block quantized"
    return list(result["keep_float"]), f"sensitivity analysis {result['file']}"


class Body(nn.Module):
    """The detector up to and including the three head convolutions: what the PT2E rows quantize.

    Its submodule names are the checkpoint's (``model.<i>...``), so ``keep_float`` names mean the same
    here, in the sensitivity analysis and in the ONNX node names NNCF sees (``/model.<i>/...``)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model.model  # the layer list itself, so the names are model.<i>.
        self.save = model.save

    @property
    def detect(self) -> nn.Module:
        return self.model[-1]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        from ..yolov5.model import DetectionModel

        features = DetectionModel._features(self, x)  # the model's own layer walk
        return tuple(conv(f) for conv, f in zip(self.detect.m, features, strict=True))


class Joined(nn.Module):
    """A (quantized) body followed by the float decode: the same ``[1, N, 5 + nc]`` output as the model."""

    def __init__(self, body: nn.Module, decode: nn.Module):
        super().__init__()
        self.body = body
        self.decode = decode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(list(self.body(x)))


def split_decode(model: nn.Module) -> tuple[Body, nn.Module]:
    """(body, decode): ``decode`` is the model's own Detect with its convolutions replaced by identities,
    so the decode arithmetic is the same code that the fp32 rows export."""
    decode = copy.deepcopy(model.detect)
    decode.m = nn.ModuleList(nn.Identity() for _ in decode.m)
    return Body(model), decode.eval()


def node_blocks(node: torch.fx.Node) -> set[str]:
    """The module paths a graph node was traced inside (``model.3``, ``model.3.cv1``, ...)."""
    paths = set()
    for value in node.meta.get("nn_module_stack", {}).values():
        path = value[0] if isinstance(value, tuple) else str(value)
        paths.add(path.removeprefix("L['self'].").removeprefix("L__self__."))
    return paths


def in_blocks(node: torch.fx.Node, blocks: list[str]) -> bool:
    return any(
        path == block or path.startswith(block + ".") for path in node_blocks(node) for block in blocks
    )


def share_edge_observers(model: torch.fx.GraphModule) -> int:
    """One observer per tensor where the LiteRT converter needs one scale; returns the inputs changed.

    - Quantizers annotate a producer's output and a consumer's input separately; two observers on one
      tensor calibrate to slightly different scales, and where the converter turns the consumer's padding
      into a PAD op, a PAD with different input and output scales is refused ("quantization parameters
      violate the same scale constraint"). Each annotated input now shares its producer's observer.
    - TFLite's int8 CONCATENATION takes one scale for its inputs and output, and litert-torch's quantizer
      leaves ``cat`` unannotated: the converter then pushes the scale of the concat's consumer back into
      the producers, clashing with the PAD on the same tensor. Each concat, its producers and its output
      are put into one observer group.
    """
    from torchao.quantization.pt2e.quantizer import QuantizationAnnotation, SharedQuantizationSpec

    def root(node: torch.fx.Node) -> torch.fx.Node | None:
        """The node whose own observer a chain of shared output specs ends at (None: no such node)."""
        for _ in range(1000):
            annotation = node.meta.get("quantization_annotation")
            spec = annotation.output_qspec if annotation is not None else None
            if spec is None:
                return None
            if not isinstance(spec, SharedQuantizationSpec):
                return node
            if not isinstance(spec.edge_or_node, torch.fx.Node):
                return None
            node = spec.edge_or_node
        return None

    # Concats, their producers' observers and their outputs: union-find over the producers' roots, then
    # every member of a group shares the group's first node (one hop, never a chain).
    parent: dict[torch.fx.Node, torch.fx.Node] = {}

    def find(node: torch.fx.Node) -> torch.fx.Node:
        while parent.setdefault(node, node) is not node:
            node = parent[node]
        return node

    concats = []
    for node in model.graph.nodes:
        if node.op != "call_function" or node.target != torch.ops.aten.cat.default:
            continue
        roots = [root(arg) for arg in node.args[0]]
        if any(r is None for r in roots):
            continue  # a float producer (a kept-float block): leave this concat float
        concats.append((node, roots))
        for other in roots[1:]:
            parent[find(other)] = find(roots[0])
    order = {node: index for index, node in enumerate(model.graph.nodes)}
    groups: dict[torch.fx.Node, list[torch.fx.Node]] = {}
    for node in list(parent):
        groups.setdefault(find(node), []).append(node)
    rep = {}
    for members in groups.values():
        first = min(members, key=order.__getitem__)
        for member in members:
            rep[member] = first
    shared = 0
    for member, first in rep.items():
        if member is not first:
            member.meta["quantization_annotation"].output_qspec = SharedQuantizationSpec(first)
            shared += 1
    for node, roots in concats:
        first = rep[roots[0]]
        node.meta["quantization_annotation"] = QuantizationAnnotation(
            input_qspec_map={arg: SharedQuantizationSpec(first) for arg in node.args[0]},
            output_qspec=SharedQuantizationSpec(first),
            _annotated=True,
        )
    for node in model.graph.nodes:
        annotation = node.meta.get("quantization_annotation")
        if annotation is None:
            continue
        for arg, spec in list(annotation.input_qspec_map.items()):
            source = root(arg) if isinstance(arg, torch.fx.Node) else None
            if source is None or isinstance(spec, SharedQuantizationSpec):
                continue
            source_spec = source.meta["quantization_annotation"].output_qspec
            if getattr(spec, "dtype", None) != getattr(source_spec, "dtype", None):
                continue
            annotation.input_qspec_map[arg] = SharedQuantizationSpec(source)
            shared += 1
    return shared


def keep_float_quantizer(quantizer, keep_float: list[str], share_edges: bool = False):
    """``quantizer`` whose annotations are removed from every node inside a ``keep_float`` block: those
    nodes get no observers, so they stay float with a dequantize in front and a quantize behind.

    A wrapper rather than ``set_module_name(name, None)``, which neither the XNNPACK nor the litert-torch
    quantizer accepts ("quantization_config == None is not supported yet")."""
    if not keep_float and not share_edges:
        return quantizer
    from torchao.quantization.pt2e.quantizer import Quantizer

    class KeepFloat(Quantizer):
        def transform_for_annotation(self, model):
            return quantizer.transform_for_annotation(model)

        def annotate(self, model):
            model = quantizer.annotate(model)
            for node in model.graph.nodes:
                if in_blocks(node, keep_float):
                    node.meta.pop("quantization_annotation", None)
            if share_edges:
                share_edge_observers(model)
            return model

        def validate(self, model) -> None:
            quantizer.validate(model)

    return KeepFloat()


def decompose_silu(graph: torch.fx.GraphModule) -> int:
    """``silu(x)`` -> ``x * sigmoid(x)`` (same node metadata, so ``keep_float`` still finds the block).

    litert-torch's quantizer annotates ``mul`` and ``sigmoid`` (fixed qparams) but not ``silu``: left whole,
    every SiLU runs in float between a DEQUANTIZE and a QUANTIZE. Returns how many were rewritten."""
    rewritten = 0
    for node in list(graph.graph.nodes):
        if node.op != "call_function" or node.target != torch.ops.aten.silu.default:
            continue
        (x,) = node.args[:1]
        with graph.graph.inserting_after(node):
            sigmoid = graph.graph.call_function(torch.ops.aten.sigmoid.default, (x,))
        with graph.graph.inserting_after(sigmoid):
            product = graph.graph.call_function(torch.ops.aten.mul.Tensor, (x, sigmoid))
        sigmoid.meta = dict(node.meta)
        product.meta = dict(node.meta)
        # Quantizers find a mul by its source function (get_source_partitions), not by its target.
        stack = list(node.meta.get("source_fn_stack", []))
        sigmoid.meta["source_fn_stack"] = [*stack[:-1], (sigmoid.name, torch.sigmoid)]
        product.meta["source_fn_stack"] = [*stack[:-1], (product.name, torch.mul)]
        node.replace_all_uses_with(product)
        graph.graph.erase_node(node)
        rewritten += 1
    graph.recompile()
    return rewritten


def pt2e_quantize(
    model: nn.Module,
    sample: torch.Tensor,
    quantizer,
    batches: list[np.ndarray],
    fold_quantize: bool = True,
    keep_float: list[str] | None = None,
    split_silu: bool = False,
) -> nn.Module:
    """PT2E static quantization of the body with ``quantizer``, calibrated on ``batches``; returns the
    quantized body joined to the float decode (eager-callable, ready for ``torch.export``).
    ``split_silu``: :func:`decompose_silu` first (for quantizers that do not take ``silu``)."""
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    body, decode = split_decode(model.eval())
    graph = torch.export.export(body, (sample,), strict=False).module()
    if split_silu:
        decompose_silu(graph)
    prepared = prepare_pt2e(graph, keep_float_quantizer(quantizer, keep_float or [], share_edges=split_silu))
    with torch.no_grad():
        for batch in batches:
            prepared(torch.from_numpy(batch))
    quantized = convert_pt2e(prepared, fold_quantize=fold_quantize)
    return Joined(quantized, decode)


def quantization_record(
    scheme: str,
    calibration_count: int,
    keep_float: list[str],
    keep_float_source: str,
    isa_note: str,
    **extra,
) -> dict:
    """The manifest's ``quantization`` record for a PT2E/NNCF row."""
    return {
        "scheme": scheme,
        "calibration": {
            "images": calibration_count,
            "split": "train (coco128, last images by name; never the eval split)",
            "preprocess": "letterbox, RGB, /255",
        },
        "decode": "float (YOLOv5 Detect decode after the head convolutions)",
        "keep_float": list(keep_float),
        "keep_float_source": keep_float_source,
        "isa": isa_note,
        **extra,
    }


def dumps(record: dict) -> str:
    return json.dumps(record, sort_keys=True)
