"""Named quantization configs, looked up by name (``smartcamrt export --quant-preset NAME``); without a
name, ``--target-isa`` picks one (isa.py).

All are QDQ with symmetric per-channel 8-bit weights, MinMax ranges from 64 coco128 images and the YOLOv5
Detect decode left in float. Measured on yolov5n with onnxruntime 1.30: mAP50 of the detections against
the fp32 ONNX model's on all 128 coco128 images at 320 / 640, on a 2-vCPU Intel Xeon VM with AVX-512
VNNI and AMX (docs/quantization.md has the tables, the latencies and the qemu Haswell runs):

- ``qdq-u8s8``: 0.881 / 0.898. u8 x s8 is what VNNI's dot-product instruction multiplies, ONNX Runtime's
  fast path there (1.3x faster than fp32); OpenVINO's CPU plugin also runs it correctly, in int8. On x86
  without VNNI its sums saturate: 0.720 against 0.941 on the first 16 images at 320 (emulated Haswell).
  What ``--target-isa host`` picks on a CPU with VNNI, and on Arm.
- ``qdq-u8u8``: qdq-u8s8's integers with every weight stored + 128 as uint8 (zero point 128): the same
  products, so the same 0.881 / 0.898 and, on the emulated Haswell, the same detections as on the VNNI
  CPU. ONNX Runtime runs it on its u8 x u8 kernels, which cannot saturate but have no VNNI path: 1.8x
  slower than u8s8 and slower than fp32 on the Xeon. What ``--target-isa portable`` and ``avx2`` pick,
  and ``host`` on x86 without VNNI. (ORT's own uint8 weight quantization lands on a slightly different
  grid: 0.847 / 0.847; not a preset.)
- ``qdq-u8s8-reduce-range``: ORT's documented remedy, weights in -64..64 so pair sums fit int16: exact on
  every CPU and as fast as u8s8, but 0.797 / 0.839 -- under the 0.80 floor at 320. Kept for comparison.
- ``qdq-s8s8``: ONNX Runtime's default types: 0.890 at 320. ORT does not fuse its s8 x s8 convolutions
  on x86, so they run in float between the Q/DQ pairs: exact everywhere but 3x slower than u8s8, slower
  than fp32. OpenVINO 2026.4.1's CPU plugin returns wrong detections for it (mAP50 0.01). Kept for
  comparison and for CPUs where s8 x s8 is the fast path (not measured).

Measured and not made presets: per-tensor weights (mAP50 0.82 at 320), a quantized Detect decode (0.19).
"""

from __future__ import annotations

from ..errors import ToolError
from .config import QuantConfig

QUANT_PRESETS: dict[str, QuantConfig] = {
    "qdq-u8s8": QuantConfig(),  # the dataclass defaults
    "qdq-u8s8-reduce-range": QuantConfig(reduce_range=True),
    "qdq-u8u8": QuantConfig(weights_as_uint8=True),  # qdq-u8s8's integers, on the u8 x u8 kernels
    "qdq-s8s8": QuantConfig(activation_type="int8"),
}


def get_preset(name: str) -> QuantConfig:
    try:
        return QUANT_PRESETS[name.lower()]
    except KeyError:
        raise ToolError(
            f"unknown quantization preset '{name}'; known presets: {', '.join(sorted(QUANT_PRESETS))}"
        ) from None
