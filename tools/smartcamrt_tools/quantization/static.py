"""Static post-training quantization of an fp32 ONNX model with ONNX Runtime's quantizer."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import onnx
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
    return QuantizeResult(excluded, images)


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
