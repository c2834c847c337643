"""The export format table: one row per artifact format, looked up by name.

Adding a format (tflite, executorch, tensorrt) means writing its exporter and runner and adding a row;
the export pipeline, manifest and CLI read everything format-specific from the row. A format whose model
is more than one file (OpenVINO IR: .xml + .bin) also names its sidecars in ``model_files.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from ..validate import ParityTolerance, Runner
from .executorch_format import INPUT_NAME as PTE_INPUT_NAME
from .executorch_format import OUTPUT_NAME as PTE_OUTPUT_NAME
from .executorch_format import (
    export_executorch_int8,
    export_executorch_portable,
    export_executorch_xnnpack,
    open_executorch_runner,
)
from .onnx_format import INPUT_NAME, OUTPUT_NAME, export_onnx, open_onnx_runner
from .onnx_int8_format import export_onnx_int8
from .openvino_format import INPUT_NAME as OV_INPUT_NAME
from .openvino_format import OUTPUT_NAME as OV_OUTPUT_NAME
from .openvino_format import (
    export_openvino_fp16,
    export_openvino_fp32,
    export_openvino_int8,
    open_openvino_runner,
)
from .request import ExportRequest
from .tflite_format import INPUT_NAME as TFLITE_INPUT_NAME
from .tflite_format import OUTPUT_NAME as TFLITE_OUTPUT_NAME
from .tflite_format import export_tflite_fp16, export_tflite_fp32, export_tflite_int8, open_tflite_runner


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
    quantized: bool = (
        False  # int8 rows: the preset comes from --target-isa / --quant-preset (quantization/isa.py)
    )
    # PT2E/NNCF int8 rows (outside ONNX Runtime's presets): input (H, W) -> the manifest's ``quantization``
    quantization_record: Callable[[tuple[int, int]], dict] | None = None


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

# OpenVINO IR (openvino 2026.4.1 CPU plugin, INFERENCE_PRECISION_HINT f32, 2 threads, vs torch 2.13 CPU;
# yolov5n, bus.jpg + zidane.jpg, see docs/runtimes/openvino.md). fp32: max 1.4e-3 px on boxes at 320 and
# 1.8e-3 at 640, 4.6e-6 on scores, 1 - cosine 4e-14; detection agreement mAP50 1.000 on all 128 coco128
# images at both sizes. Limits ~10x above, as for ONNX. Without the f32 hint this CPU (avx512_bf16) ran in
# bf16: 14 px (320) / 34 px (640) on boxes -- the runner always sets it.
# fp16 weights (save_model's compress_to_fp16): max 2.2 px on boxes (320) and 2.9 px (640), 0.0070 / 0.020
# on scores, 1 - cosine 5e-8 / 2e-8; mAP50 1.000 (320) and 0.995 (640) on 128 images, so the default floor
# stands. As for TFLite fp16: box/score limits ~3x above the worst measured (a 10x limit would say
# nothing), and the cosine limit, ~200x above what fp16 costs, catches a wrong weight.
OPENVINO_FP32_TOLERANCE = ParityTolerance(boxes_px=2e-2, scores=5e-5, min_cosine=0.99999)
OPENVINO_FP16_TOLERANCE = ParityTolerance(boxes_px=8.0, scores=6e-2, min_cosine=0.99999)

# ONNX int8 (onnxruntime 1.30 quantize_static, preset qdq-u8s8: u8 activations, per-channel s8 weights,
# MinMax ranges from 64 coco128 images, Detect decode in float; ORT 1.30 CPU vs torch 2.13; see
# docs/quantization.md). Raw outputs mean little here: the largest differences sit in rows with objectness
# near 0, whose boxes are noise -- max 109 px on boxes at 320 and 402 px at 640, 0.62 / 0.66 on scores --
# so the box and score limits are deliberately non-binding (1500 px: above the decode's own range, 4 x the
# largest anchor = 1492 px, for inputs up to ~1400 px; 1.0: any probability). The cosine limit (measured
# 1 - cosine 5.7e-4 at 320, 1.4e-3 at 640; limit ~7x above) only catches garbage. What judges int8 is the
# detection agreement: mAP50 0.902 (320) and 0.907 (640) on all 128 images (0.881 / 0.874 on the first 64,
# which calibration never saw); across calibration sets of 8-128 images it stayed within 0.84-0.91 on
# 64-128 images. The floor, 0.80, sits ~0.1 under those values and 0.04 under the worst seen, while real
# faults land far below it: a quantized decode 0.19, boxes shifted 30 px 0.48, and qdq-u8s8 on x86
# without VNNI, whose int16 sums saturate, 0.72 (why the preset follows the target ISA: quantization/isa.py;
# qdq-u8u8, picked there, computes the same integers without saturating).
ONNX_INT8_TOLERANCE = ParityTolerance(boxes_px=1500.0, scores=1.0, min_cosine=0.99, min_map50=0.80)

# The PT2E/NNCF int8 rows (ExecuTorch, LiteRT, OpenVINO). As for onnx-int8, raw differences sit in rows
# with objectness near 0 and mean nothing, so the box/score limits are non-binding, the cosine limit only
# catches garbage, and the detection agreement (mAP50 against the fp32 PyTorch model on the first coco128
# images, the eval split, which calibration never sees) judges. Measured values and floors: see each.
#
# Measured at 320 on 64 images (Xeon with AVX-512 VNNI/AMX, 64 training-split calibration images):
# executorch-int8 (executorch 1.5.1 PT2E, XNNPACKQuantizer, MinMax) 0.855 with every block int8, 0.887
# with model.7 float, 0.83 for the QAT weights; openvino-int8 (nncf 3.4.0, MIXED preset, 7-bit weights
# everywhere, openvino 2026.4.1) 0.786 every block int8, 0.811 with model.7 float; tflite-int8 (litert-torch
# 0.10.0 PT2E) 0.864 / 0.852. Raw differences: up to 51-132 px on boxes and 0.34-0.43 on scores (rows
# near zero objectness), 1 - cosine 1.4e-4 to 6.3e-4. One floor, 0.75, for the three: ~0.06-0.14 under
# what was measured, leaving room for the tests' 8-image calibration, while a quantized decode (0.19) or
# shifted boxes (0.48) land far below it; the mAP against ground truth (docs/quantization.md) is the
# accuracy figure, this only says the file computes the model.
EXECUTORCH_INT8_TOLERANCE = ParityTolerance(boxes_px=1500.0, scores=1.0, min_cosine=0.99, min_map50=0.75)
OPENVINO_INT8_TOLERANCE = ParityTolerance(boxes_px=1500.0, scores=1.0, min_cosine=0.99, min_map50=0.75)
TFLITE_INT8_TOLERANCE = ParityTolerance(boxes_px=1500.0, scores=1.0, min_cosine=0.99, min_map50=0.75)

XNNPACK_ISA = (
    "XNNPACK qs8 kernels widen int8 to int16/int32 before multiplying (no saturating u8 x s8 pair sums), "
    "so x86 with or without VNNI and Arm compute the same integers; only the speed depends on the ISA"
)
NNCF_ISA = (
    "oneDNN u8 x s8 kernels: exact with VNNI/AMX; without VNNI their pairwise int16 sums could saturate, "
    "which the 7-bit weights of NNCF's overflow fix (every layer) rule out"
)


def _int8_record(
    scheme: str, isa: str, sensitivity: str = "xnnpack", **extra
) -> Callable[[tuple[int, int]], dict]:
    def record(input_hw: tuple[int, int]) -> dict:
        from . import int8_common

        keep_float, source = int8_common.keep_float_blocks(input_hw, sensitivity)
        # read by the engine (model_info.cpp): false = the same integers on every CPU, no ISA warning
        return int8_common.quantization_record(
            scheme,
            int8_common.CALIBRATION_IMAGES,
            keep_float,
            source,
            isa,
            saturates_without_vnni=False,
            **extra,
        )

    return record


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
        ExportFormat(
            name="openvino",
            suffix=".openvino.xml",
            precision="fp32",
            runtime="openvino",
            input_name=OV_INPUT_NAME,
            output_name=OV_OUTPUT_NAME,
            export=export_openvino_fp32,
            open_runner=open_openvino_runner,
            tolerance=OPENVINO_FP32_TOLERANCE,
            packages=("torch", "onnx", "onnxscript", "openvino"),
            description="OpenVINO IR (.xml graph + .bin weights beside it) converted from the fp32 ONNX "
            "export, static 1x3xHxW input; run by OpenVINO's CPU plugin in f32",
        ),
        ExportFormat(
            name="openvino-fp16",
            suffix=".fp16.openvino.xml",
            precision="fp16",
            runtime="openvino",
            input_name=OV_INPUT_NAME,
            output_name=OV_OUTPUT_NAME,
            export=export_openvino_fp16,
            open_runner=open_openvino_runner,
            tolerance=OPENVINO_FP16_TOLERANCE,
            packages=("torch", "onnx", "onnxscript", "openvino"),
            description="OpenVINO IR with weights compressed to fp16 (f32 arithmetic); half the .bin of "
            "the fp32 one",
        ),
        ExportFormat(
            name="onnx-int8",
            suffix=".int8.onnx",
            precision="int8",
            runtime="ort",
            input_name=INPUT_NAME,
            output_name=OUTPUT_NAME,
            export=export_onnx_int8,
            open_runner=open_onnx_runner,
            tolerance=ONNX_INT8_TOLERANCE,
            packages=("torch", "onnx", "onnxruntime", "onnxscript"),
            description="ONNX with static int8 quantization (QDQ, per-channel weights, ranges calibrated "
            "on coco128), float32 input/output; run by ONNX Runtime",
            quantized=True,
        ),
        ExportFormat(
            name="executorch-int8",
            suffix=".int8.pte",
            precision="int8",
            runtime="executorch",
            input_name=PTE_INPUT_NAME,
            output_name=PTE_OUTPUT_NAME,
            export=export_executorch_int8,
            open_runner=open_executorch_runner,
            tolerance=EXECUTORCH_INT8_TOLERANCE,
            packages=("torch", "torchao", "executorch"),
            description="ExecuTorch program with PT2E static int8 (XNNPACK quantizer, calibrated on the "
            "coco128 training split), Detect decode and the sensitivity analysis' blocks in float; XNNPACK",
            quantization_record=_int8_record(
                "pt2e-xnnpack-s8s8",
                XNNPACK_ISA,
                weights="int8 symmetric per-channel",
                activations="int8 asymmetric per-tensor (MinMax)",
            ),
        ),
        ExportFormat(
            name="openvino-int8",
            suffix=".int8.openvino.xml",
            precision="int8",
            runtime="openvino",
            input_name=OV_INPUT_NAME,
            output_name=OV_OUTPUT_NAME,
            export=export_openvino_int8,
            open_runner=open_openvino_runner,
            tolerance=OPENVINO_INT8_TOLERANCE,
            packages=("torch", "onnx", "onnxscript", "openvino", "nncf"),
            description="OpenVINO IR quantized by NNCF (MIXED preset, 7-bit weights, calibrated on the "
            "coco128 training split), Detect decode and the sensitivity analysis' blocks in float",
            quantization_record=_int8_record(
                "nncf-mixed-overflow-fix",
                NNCF_ISA,
                weights="int8 symmetric per-channel, 7-bit range (overflow fix)",
                activations="asymmetric per-tensor (NNCF MIXED preset)",
            ),
        ),
        ExportFormat(
            name="tflite-int8",
            suffix=".int8.tflite",
            precision="int8",
            runtime="litert",
            input_name=TFLITE_INPUT_NAME,
            output_name=TFLITE_OUTPUT_NAME,
            export=export_tflite_int8,
            open_runner=open_tflite_runner,
            tolerance=TFLITE_INT8_TOLERANCE,
            packages=("torch", "litert-torch", "ai-edge-quantizer", "ai-edge-litert"),
            description="LiteRT/TFLite with static int8 (litert-torch PT2E quantizer, calibrated on the "
            "coco128 training split), Detect decode and the sensitivity analysis' blocks in float; float32 "
            "input/output",
            quantization_record=_int8_record(
                "pt2e-litert-s8s8",
                XNNPACK_ISA,
                sensitivity="litert",
                weights="int8 symmetric per-channel",
                activations="int8 per-tensor",
            ),
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
