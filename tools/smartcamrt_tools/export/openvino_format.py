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

import dataclasses
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
