"""Named quantization configs, looked up by name (``smartcamrt export --quant-preset NAME``).

Both presets are QDQ with symmetric per-channel int8 weights, MinMax ranges from 64 coco128 images and the
YOLOv5 Detect decode left in float; they differ in the activation type. Measured on yolov5n with
onnxruntime 1.30 on a 2-core AMD EPYC VM (AVX-512 VNNI), mAP50 against PyTorch's detections on all 128
coco128 images, p50 latency timed from Python at 2 threads with other work on the machine
(docs/quantization.md has the whole table):

- ``qdq-u8s8`` (default): mAP50 0.902 at 320, 0.907 at 640; 5.1 / 20.4 ms against 7.0 / 26.1 ms for the
  fp32 ONNX. u8 x s8 is what x86's VNNI dot-product instruction multiplies, ONNX Runtime's fast path
  there; OpenVINO's CPU plugin also runs this model correctly, in int8.
- ``qdq-s8s8``: ONNX Runtime's default types: mAP50 0.878 / 0.888, and 16.6 / 56.3 ms -- slower than fp32
  on this CPU. OpenVINO 2026.4.1's CPU plugin returns wrong detections for it (mAP50 0.01), so it is an
  ONNX Runtime-only model. Kept for comparison and for CPUs where s8 x s8 is the fast path (not measured).

Measured and not made presets: per-tensor weights (mAP50 0.82 at 320), a quantized Detect decode (0.19).
"""

from __future__ import annotations

from ..errors import ToolError
from .config import QuantConfig

QUANT_PRESETS: dict[str, QuantConfig] = {
    "qdq-u8s8": QuantConfig(),  # the dataclass defaults
    "qdq-s8s8": QuantConfig(activation_type="int8"),
}

DEFAULT_PRESET = "qdq-u8s8"


def get_preset(name: str) -> QuantConfig:
    try:
        return QUANT_PRESETS[name.lower()]
    except KeyError:
        raise ToolError(
            f"unknown quantization preset '{name}'; known presets: {', '.join(sorted(QUANT_PRESETS))}"
        ) from None
