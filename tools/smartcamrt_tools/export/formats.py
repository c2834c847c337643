"""The export format table: one row per artifact format, looked up by name.

Adding a format (tflite, executorch, tensorrt) means writing its exporter and runner and adding a row;
the export pipeline, manifest and CLI read everything format-specific from the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from ..validate import ParityTolerance, Runner
from .onnx_format import INPUT_NAME, OUTPUT_NAME, export_onnx, open_onnx_runner
from .request import ExportRequest


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what --format takes
    suffix: str  # artifact file suffix
    precision: str  # numeric precision of the artifact's weights/activations
    runtime: str  # engine backend that runs it (smartcamrt run --runtime)
    input_name: str  # tensor names inside the artifact, recorded in the manifest
    output_name: str
    export: Callable[[ExportRequest], None]  # writes request.artifact
    open_runner: Callable[[Path], Runner]  # loads the artifact for the parity check
    tolerance: ParityTolerance  # parity limits against the fp32 PyTorch model
    packages: tuple[str, ...]  # Python packages whose versions go into the manifest
    description: str


# Parity limits, measured (yolov5n, bus.jpg + zidane.jpg, 320 and 640, ORT 1.30 CPU vs torch 2.13 CPU):
# the fp32 ONNX export differs from the unfused fp32 PyTorch model by at most ~1.1e-3 px on boxes
# (float rounding, mostly from the Conv+BN fusion and different conv kernels), ~5e-6 on scores, and
# 1 - cosine ~1e-14. The limits sit ~10x above that: still 1/100 pixel and far below any score
# threshold's resolution, so a wrong weight, a wrong BN eps or a broken anchor grid fails loudly,
# while kernel-order rounding on another CPU does not.
ONNX_FP32_TOLERANCE = ParityTolerance(boxes_px=1e-2, scores=5e-5, min_cosine=0.99999)

FORMATS: dict[str, ExportFormat] = {
    row.name: row
    for row in (
        ExportFormat(
            name="onnx",
            suffix=".onnx",
            precision="fp32",
            runtime="ort",
            input_name=INPUT_NAME,
            output_name=OUTPUT_NAME,
            export=export_onnx,
            open_runner=open_onnx_runner,
            tolerance=ONNX_FP32_TOLERANCE,
            packages=("torch", "onnx", "onnxruntime", "onnxscript"),
            description="ONNX (opset >= 17), static 1x3xHxW input, run by ONNX Runtime",
        ),
    )
}


def get_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name.lower()]
    except KeyError:
        raise ToolError(
            f"unknown export format '{name}'; known formats: {', '.join(sorted(FORMATS))}"
        ) from None
