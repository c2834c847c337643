"""What a static int8 quantization does, as one frozen object (in the spirit of Optimum's
``QuantizationConfig``): the numeric types, the calibration, and which nodes stay in float.

Field values are plain strings and tuples, so a config prints, compares and goes into the manifest as
JSON; :meth:`QuantConfig.quantize_static_kwargs` turns it into ONNX Runtime's arguments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType

from ..errors import ToolError

QUANT_TYPES = {"int8": QuantType.QInt8, "uint8": QuantType.QUInt8}
CALIBRATE_METHODS = {
    "minmax": CalibrationMethod.MinMax,
    "entropy": CalibrationMethod.Entropy,
    "percentile": CalibrationMethod.Percentile,
}


@dataclass(frozen=True)
class QuantConfig:
    """A static (calibrated) post-training quantization to the QDQ format.

    ``op_types``: the operator types that get QuantizeLinear/DequantizeLinear pairs; None means ONNX
    Runtime's QDQ default (Conv and the data-movement ops: Reshape, Transpose, Slice, MaxPool, Resize...;
    YOLOv5's SiLU -- Sigmoid and Mul -- stays in float between them). Naming Sigmoid, Mul, Add or Concat
    changes nothing with onnxruntime 1.30 (measured: the same graph), its QDQ quantizer has no handler for
    them. ``keep_decode_float``: leave the YOLOv5 Detect decode (every node after the last convolutions:
    reshape, sigmoid, grid/anchor arithmetic, the final concat) in float; see
    :func:`~smartcamrt_tools.quantization.calibration.detect_decode_nodes`. Calibration: ``percentile``
    gave closer raw outputs than ``minmax`` but no better mAP50 and took 15x longer (74 s at 640);
    ``entropy`` gave the same agreement and raw differences as ``minmax``. The defaults are the
    ``qdq-u8s8`` preset.
    """

    activation_type: str = "uint8"  # "int8" | "uint8"
    weight_type: str = "int8"
    per_channel: bool = True  # one scale per output channel of each conv weight
    calibrate_method: str = "minmax"  # "minmax" | "entropy" | "percentile"
    calibration_images: int = 64  # letterboxed coco128 images fed through the model for the ranges
    op_types: tuple[str, ...] | None = None
    keep_decode_float: bool = True
    reduce_range: bool = False  # weights in -64..64 (ORT's "7-bit"): u8 x s8 pair sums fit int16 (isa.py)
    # int8 weights stored as uint8 (+128, zero point 128) once quantized: the same integer products, but
    # ONNX Runtime runs them on its u8 x u8 kernels, which do not saturate on x86 without VNNI (isa.py).
    weights_as_uint8: bool = False

    def __post_init__(self) -> None:
        for field, value, allowed in (
            ("activation_type", self.activation_type, QUANT_TYPES),
            ("weight_type", self.weight_type, QUANT_TYPES),
            ("calibrate_method", self.calibrate_method, CALIBRATE_METHODS),
        ):
            if value not in allowed:
                raise ToolError(f"quantization {field} '{value}' is not one of: {', '.join(allowed)}")
        if self.calibration_images < 1:
            raise ToolError(f"calibration needs at least one image, got {self.calibration_images}")
        if self.weights_as_uint8 and (self.activation_type, self.weight_type) != ("uint8", "int8"):
            raise ToolError(
                "weights_as_uint8 turns u8 x s8 into u8 x u8: it needs uint8 activations, int8 weights"
            )

    def quantize_static_kwargs(self, nodes_to_exclude: list[str]) -> dict:
        """Keyword arguments for ``onnxruntime.quantization.quantize_static`` (besides models and reader)."""
        return {
            "quant_format": QuantFormat.QDQ,
            "activation_type": QUANT_TYPES[self.activation_type],
            "weight_type": QUANT_TYPES[self.weight_type],
            "per_channel": self.per_channel,
            "reduce_range": self.reduce_range,
            "calibrate_method": CALIBRATE_METHODS[self.calibrate_method],
            "op_types_to_quantize": list(self.op_types) if self.op_types is not None else None,
            "nodes_to_exclude": nodes_to_exclude,
        }

    def to_manifest(self) -> dict:
        record = asdict(self)
        record["format"] = "QDQ"
        if self.op_types is not None:
            record["op_types"] = list(self.op_types)
        return record
