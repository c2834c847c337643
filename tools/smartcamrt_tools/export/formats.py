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
from .executorch_format import INPUT_NAME as PTE_INPUT_NAME
from .executorch_format import OUTPUT_NAME as PTE_OUTPUT_NAME
from .executorch_format import export_executorch_portable, export_executorch_xnnpack, open_executorch_runner
from .onnx_format import INPUT_NAME, OUTPUT_NAME, export_onnx, open_onnx_runner
from .request import ExportRequest
from .tflite_format import INPUT_NAME as TFLITE_INPUT_NAME
from .tflite_format import OUTPUT_NAME as TFLITE_OUTPUT_NAME
from .tflite_format import export_tflite_fp16, export_tflite_fp32, open_tflite_runner


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

# ExecuTorch fp32 (executorch 1.5.1 runtime via its Python API vs torch 2.13 CPU; measured on yolov5n,
# bus.jpg + zidane.jpg at 320 and 640, see docs/runtimes/executorch.md): XNNPACK delegate max 2.4e-3 px
# on boxes and 9.2e-6 on scores (its conv kernels round differently from torch's); without the delegate
# (portable/optimized kernels) max 2.0e-3 px and 5.7e-6; cosine 1 - 1e-13 or closer. Same reasoning as
# ONNX: limits ~10x above what was seen.
EXECUTORCH_FP32_TOLERANCE = ParityTolerance(boxes_px=2e-2, scores=1e-4, min_cosine=0.99999)

# LiteRT (litert-torch 0.10.0 conversion, ai-edge-litert 2.3.0 interpreter with XNNPACK vs torch 2.13 CPU;
# yolov5n, bus.jpg + zidane.jpg, see docs/runtimes/litert.md). fp32: max 2.3e-3 px on boxes and 9.2e-6 on
# scores at 320 and 640 (XNNPACK's kernels round differently): limits ~10x above, as for ONNX.
# fp16 weights: max 2.9 px on boxes (640; 2.3 at 320), 0.011 on scores, 1 - cosine 1.7e-8 -- the rounding
# of every weight to 11 significant bits. The box/score limits sit ~3x above that (a 10x limit, 29 px,
# would say nothing); the cosine limit, ~600x above what fp16 costs, is what catches a wrong weight.
TFLITE_FP32_TOLERANCE = ParityTolerance(boxes_px=2e-2, scores=1e-4, min_cosine=0.99999)
TFLITE_FP16_TOLERANCE = ParityTolerance(boxes_px=8.0, scores=3e-2, min_cosine=0.99999)

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
        ExportFormat(
            name="executorch",
            suffix=".pte",
            precision="fp32",
            runtime="executorch",
            input_name=PTE_INPUT_NAME,
            output_name=PTE_OUTPUT_NAME,
            export=export_executorch_xnnpack,
            open_runner=open_executorch_runner,
            tolerance=EXECUTORCH_FP32_TOLERANCE,
            packages=("torch", "executorch"),
            description="ExecuTorch program (.pte), static 1x3xHxW input, XNNPACK delegate; operators it "
            "does not take run on the portable/optimized CPU kernels",
        ),
        ExportFormat(
            name="executorch-portable",
            suffix=".portable.pte",
            precision="fp32",
            runtime="executorch",
            input_name=PTE_INPUT_NAME,
            output_name=PTE_OUTPUT_NAME,
            export=export_executorch_portable,
            open_runner=open_executorch_runner,
            tolerance=EXECUTORCH_FP32_TOLERANCE,
            packages=("torch", "executorch"),
            description="ExecuTorch program (.pte) without a delegate: every operator on the "
            "portable/optimized CPU kernels (the fallback path; slower, for comparison)",
        ),
        ExportFormat(
            name="tflite",
            suffix=".tflite",
            precision="fp32",
            runtime="litert",
            input_name=TFLITE_INPUT_NAME,
            output_name=TFLITE_OUTPUT_NAME,
            export=export_tflite_fp32,
            open_runner=open_tflite_runner,
            tolerance=TFLITE_FP32_TOLERANCE,
            packages=("torch", "litert-torch", "ai-edge-litert"),
            description="LiteRT/TFLite flatbuffer converted by litert-torch, static 1x3xHxW input, "
            "fp32; run by the LiteRT interpreter with XNNPACK",
        ),
        ExportFormat(
            name="tflite-fp16",
            suffix=".fp16.tflite",
            precision="fp16",
            runtime="litert",
            input_name=TFLITE_INPUT_NAME,
            output_name=TFLITE_OUTPUT_NAME,
            export=export_tflite_fp16,
            open_runner=open_tflite_runner,
            tolerance=TFLITE_FP16_TOLERANCE,
            packages=("torch", "litert-torch", "ai-edge-quantizer", "ai-edge-litert"),
            description="LiteRT/TFLite flatbuffer with float16 weights (ai-edge-quantizer float casting), "
            "float32 activations; half the size of the fp32 one",
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
