"""The OpenVINO rows of the export table: writing OpenVINO IR, and running it for the parity check.

Conversion goes through the fp32 ONNX export (``export_onnx``, the ``onnx`` row's own exporter), then
``openvino.convert_model`` (the ONNX frontend) and ``openvino.save_model``; not from PyTorch directly:

- The ONNX route keeps the tensor names (``images`` -> ``output0``), the static ``[1, 3, H, W]`` shape and
  the class names/strides (ONNX metadata becomes the IR's ``rt_info/framework/{names,stride}``). Measured
  with openvino 2026.4.1 and torch 2.13, the PyTorch frontend (``convert_model(module, example_input=...)``)
  named the input ``x``, left the output unnamed and the shapes dynamic (``[?,3,?,?]``), and took ~20 s
  against 1-2 s for the ONNX route; both give the same numbers (max box diff vs PyTorch 1.4e-3 px at 320).
- The graph that is converted is the one the ``onnx`` row has already validated (opset, BN fusion, Detect
  grids folded into constants), so a difference between the two rows is OpenVINO's alone.

An IR is two files: ``<name>.xml`` (the graph; the artifact, the file the engine's ``openvino`` backend
picks by its suffix) and ``<name>.bin`` beside it (the weights). :mod:`smartcamrt_tools.model_files`
knows the pair; the manifest hashes and sizes both, and bench-runtimes counts both.

- ``openvino``: fp32 weights. ``save_model`` compresses weights to fp16 *by default*
  (``compress_to_fp16=True``), so the fp32 row passes ``compress_to_fp16=False`` explicitly.
- ``openvino-fp16``: ``compress_to_fp16=True``: every float constant stored as fp16 with a Convert to
  f32 in front (half the ``.bin``); the CPU plugin computes in f32. That includes the Detect grid and
  anchor-grid constants, whose values (half-integers up to the grid size, integer anchor sizes up to 373
  px) fp16 holds exactly: the difference from fp32 is the weights' rounding alone.

CPU precision: on CPUs with AMX or AVX512_BF16, OpenVINO's CPU plugin runs f32 models in bf16 unless
``INFERENCE_PRECISION_HINT`` says ``f32``. Measured on an AMD EPYC with avx512_bf16 (yolov5n, bus.jpg +
zidane.jpg): bf16 moved boxes by up to 14 px at 320 and 34 px at 640 and scores by up to 0.09, against
1.4e-3 / 1.8e-3 px with the f32 hint. The parity runner therefore sets the hint to f32 (and a fixed thread
count, like the LiteRT runner), so the gate measures the model, not the CPU's choice of precision. The
engine's C++ ``openvino`` backend is to set the same hint (``RUNNER_CONFIG``).

``openvino`` is imported lazily, like the other converters: it is not a core dependency of the package,
and the format table must stay cheap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..validate import Runner
from . import onnx_format
from .request import ExportRequest

# The ONNX tensor names survive conversion (the IR's input and output carry them).
INPUT_NAME = onnx_format.INPUT_NAME
OUTPUT_NAME = onnx_format.OUTPUT_NAME

RUNNER_THREADS = 2
DEVICE = "CPU"
# compile_model properties of the parity runner (and of the C++ backend): f32 arithmetic whatever the CPU
# offers, a fixed thread count, one inference at a time.
RUNNER_CONFIG = {
    "INFERENCE_PRECISION_HINT": "f32",
    "INFERENCE_NUM_THREADS": RUNNER_THREADS,
    "PERFORMANCE_HINT": "LATENCY",
}


def export_openvino_fp32(request: ExportRequest) -> None:
    """fp32 weights and arithmetic."""
    _export(request, compress_to_fp16=False)


def export_openvino_fp16(request: ExportRequest) -> None:
    """fp16 weights (converted to f32 at load), f32 arithmetic."""
    _export(request, compress_to_fp16=True)


def _export(request: ExportRequest, compress_to_fp16: bool) -> None:
    import openvino as ov

    if request.artifact.suffix != ".xml":
        raise ToolError(f"{request.artifact.name}: an OpenVINO IR file name must end in .xml")
    with tempfile.TemporaryDirectory(prefix="smartcamrt-openvino-") as tmp:
        onnx_file = Path(tmp) / "model.onnx"
        onnx_format.export_onnx(dataclasses.replace(request, artifact=onnx_file))
        try:
            model = ov.convert_model(str(onnx_file))
        except Exception as exc:  # the frontend raises OpConversionFailure/RuntimeError with long dumps
            raise ToolError(f"OpenVINO conversion failed: {_first_line(exc)}") from exc
    # save_model writes <name>.xml and <name>.bin; it overwrites both.
    ov.save_model(model, str(request.artifact), compress_to_fp16=compress_to_fp16)


def export_openvino_int8(request: ExportRequest) -> None:
    """NNCF post-training int8 of the fp32 IR (MIXED preset: symmetric per-channel int8 weights,
    asymmetric per-tensor activations; ranges from letterboxed training-split images). The Detect decode
    and the blocks the sensitivity analysis keeps in float are NNCF's ignored scope."""
    import nncf
    import onnx
    import openvino as ov

    from ..quantization import detect_decode_nodes
    from . import int8_common

    input_hw = (int(request.sample_input.shape[-2]), int(request.sample_input.shape[-1]))
    keep_float, _ = int8_common.keep_float_blocks(input_hw)
    batches = int8_common.calibration_batches(input_hw)
    with tempfile.TemporaryDirectory(prefix="smartcamrt-openvino-") as tmp:
        onnx_file = Path(tmp) / "model.onnx"
        onnx_format.export_onnx(dataclasses.replace(request, artifact=onnx_file))
        graph = onnx.load(str(onnx_file))
        decode = detect_decode_nodes(graph)
        float_blocks = block_nodes(graph, request.model, request.sample_input, keep_float)
        model = ov.convert_model(str(onnx_file))
    names = {op.get_friendly_name() for op in model.get_ops()}
    onnx_convs, silus = float_blocks
    # The ONNX frontend splits a Conv with bias into Convolution "<name>/WithoutBiases" + Add "<name>":
    # the Convolution (which holds the weights) is what must be ignored, the Add with it.
    convs = [f"{name}/WithoutBiases" if f"{name}/WithoutBiases" in names else name for name in onnx_convs]
    missing = [name for name in convs if name not in names]
    if missing:
        raise ToolError(
            f"OpenVINO int8: convolutions to keep in float not in the IR: {', '.join(missing[:5])}"
        )
    convs += [name for name in onnx_convs if name in names and name not in convs]
    # Nodes OpenVINO fused or folded away (Sigmoid+Mul -> Swish, constant decode grids) are simply gone:
    # nothing to ignore there; what carries weights, the convolutions, must all be found (above).
    ignored = [name for name in decode + silus if name in names] + convs
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, OverflowFix

    with _nncf_quiet():
        quantized = nncf.quantize(
            model,
            nncf.Dataset(batches),
            preset=nncf.QuantizationPreset.MIXED,
            subset_size=len(batches),
            ignored_scope=nncf.IgnoredScope(names=ignored),
            # 7-bit weights in every layer: u8 x s8 products summed in pairs then fit int16 even where
            # oneDNN has no VNNI (vpmaddubsw saturates at int16), so the answers do not depend on the CPU.
            advanced_parameters=AdvancedQuantizationParameters(overflow_fix=OverflowFix.ENABLE),
        )
    ov.save_model(quantized, str(request.artifact), compress_to_fp16=False)


def block_nodes(graph, model, sample: np.ndarray, blocks: list[str]) -> tuple[list[str], list[str]]:
    """ONNX node names of the convolutions (and the SiLU after each) inside ``blocks`` of ``model``.

    The ONNX export names nodes ``node_conv2d_<k>`` without module paths, so the convolutions are matched
    by order: the k-th Conv node of the graph is the k-th Conv2d the model calls (the exporter writes
    nodes in execution order), and every pair's weight shape is checked."""
    import torch
    from onnx import numpy_helper

    if not blocks:
        return [], []
    called: list[tuple[str, tuple[int, ...]]] = []
    names = {module: name for name, module in model.named_modules()}
    hooks = [
        module.register_forward_hook(lambda mod, _i, _o: called.append((names[mod], tuple(mod.weight.shape))))
        for module in model.modules()
        if isinstance(module, torch.nn.Conv2d)
    ]
    try:
        with torch.no_grad():
            model(torch.from_numpy(sample))
    finally:
        for hook in hooks:
            hook.remove()
    weights = {init.name: numpy_helper.to_array(init).shape for init in graph.graph.initializer}
    convs = [node for node in graph.graph.node if node.op_type == "Conv"]
    if len(convs) != len(called):
        raise ToolError(
            f"OpenVINO int8: {len(convs)} Conv nodes in the ONNX graph, {len(called)} in the model"
        )
    consumers: dict[str, list] = {}
    for node in graph.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    chosen, silus = [], []
    for node, (module, shape) in zip(convs, called, strict=True):
        if tuple(weights.get(node.input[1], ())) != shape:
            raise ToolError(f"OpenVINO int8: Conv {node.name} does not match {module} {shape}")
        if not any(module == block or module.startswith(block + ".") for block in blocks):
            continue
        chosen.append(node.name)
        for nxt in consumers.get(node.output[0], []):  # the SiLU: Sigmoid and Mul after the conv
            if nxt.op_type in ("Sigmoid", "Mul"):
                silus.append(nxt.name)
    return chosen, list(dict.fromkeys(silus))


@contextlib.contextmanager
def _nncf_quiet():
    """NNCF logs its statistics collection and progress bars; keep the export's output readable."""
    import logging

    logger = logging.getLogger("nncf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logger.setLevel(level)


def read_ir_metadata(artifact: Path) -> dict[str, str]:
    """Class names and strides as the IR carries them (``rt_info/framework``, from the ONNX metadata)."""
    import openvino as ov

    model = ov.Core().read_model(str(artifact))
    return {key: model.get_rt_info(["framework", key]).astype(str) for key in ("names", "stride")}


def open_openvino_runner(artifact: Path) -> Runner:
    """The IR compiled for OpenVINO's CPU plugin (f32, 2 threads), wrapped as a Runner."""
    import openvino as ov

    try:
        compiled = ov.Core().compile_model(str(artifact), DEVICE, RUNNER_CONFIG)
    except RuntimeError as exc:
        raise ToolError(f"model '{artifact}': OpenVINO cannot load it: {_first_line(exc)}") from None
    request = compiled.create_infer_request()

    def run(batch: np.ndarray) -> np.ndarray:
        request.infer({0: np.ascontiguousarray(batch, dtype=np.float32)})
        return request.get_output_tensor(0).data.copy()  # the tensor is reused by the next inference

    return run


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
