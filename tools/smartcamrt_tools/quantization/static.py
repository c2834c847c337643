"""Static post-training quantization of an fp32 ONNX model with ONNX Runtime's quantizer."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import quantize_static

from .calibration import LetterboxCalibrationReader, calibration_images, detect_decode_nodes
from .config import QuantConfig


@dataclass
class QuantizeResult:
    excluded_nodes: list[str]  # nodes left in float
    calibration_images: list[Path]


def quantize_onnx(
    fp32_model: Path, out: Path, config: QuantConfig, input_hw: tuple[int, int], input_name: str
) -> QuantizeResult:
    """Calibrate on ``config.calibration_images`` coco128 images and write the QDQ model to ``out``."""
    images = calibration_images(config.calibration_images)
    reader = LetterboxCalibrationReader(images, input_hw, input_name)
    excluded = detect_decode_nodes(onnx.load(str(fp32_model))) if config.keep_decode_float else []
    with _quiet():
        quantize_static(str(fp32_model), str(out), reader, **config.quantize_static_kwargs(excluded))
    if config.weights_as_uint8:
        model = onnx.load(str(out))
        shift_weights_to_uint8(model)
        onnx.save(model, str(out))
    return QuantizeResult(excluded, images)


def shift_weights_to_uint8(model: onnx.ModelProto) -> int:
    """Store every int8 initializer that a DequantizeLinear reads (the weights) as uint8 + 128, with its
    zero point moved by 128 too: (q + 128) - (z + 128) = q - z, so every product is unchanged.

    ONNX Runtime does the same at load time on x86 without VNNI when asked to (session option
    ``session.x64quantprecision``), because its u8 x u8 kernels widen to int16 before multiplying and so
    cannot saturate; doing it here makes the file behave so everywhere. Returns how many were shifted.
    """
    initializers = {init.name: init for init in model.graph.initializer}
    shifted: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or len(node.input) < 3:
            continue
        values, zero_point = initializers.get(node.input[0]), initializers.get(node.input[2])
        if values is None or zero_point is None or values.data_type != onnx.TensorProto.INT8:
            continue
        for init in (values, zero_point):
            if init.name not in shifted:
                as_int8 = numpy_helper.to_array(init).astype(np.int16)
                init.CopyFrom(numpy_helper.from_array((as_int8 + 128).astype(np.uint8), init.name))
                shifted.add(init.name)
    return len(shifted) // 2


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hold back what ONNX Runtime's quantizer says while working; it would bury the export's own output.

    Known with onnxruntime 1.30: a root-logger warning that the model was not run through
    ``quant_pre_process`` (measured: pre-processing changed nothing for this graph), and the histogram
    calibrators' progress prints (entropy, percentile).
    """
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)
