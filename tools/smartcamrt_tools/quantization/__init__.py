"""Static int8 post-training quantization of the ONNX export (ONNX Runtime's quantizer, QDQ format).

- :class:`QuantConfig` (config.py): what to quantize and how, one frozen object.
- :class:`LetterboxCalibrationReader` (calibration.py): real coco128 images through the project's letterbox.
- :data:`QUANT_PRESETS` / :func:`get_preset` (presets.py): named, measured configs.
- :func:`quantize_onnx` (static.py): fp32 ONNX in, QDQ ONNX out.
"""

from .calibration import LetterboxCalibrationReader, calibration_images, detect_decode_nodes
from .config import QuantConfig
from .presets import QUANT_PRESETS, get_preset
from .static import QuantizeResult, quantize_onnx

__all__ = [
    "QUANT_PRESETS",
    "LetterboxCalibrationReader",
    "QuantConfig",
    "QuantizeResult",
    "calibration_images",
    "detect_decode_nodes",
    "get_preset",
    "quantize_onnx",
]
