"""Static post-training quantization of an fp32 ONNX model with ONNX Runtime's quantizer."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import quantize_static

from .calibration import LetterboxCalibrationReader, calibration_images, detect_decode_nodes
from .config import QuantConfig
from .float_blocks import SOURCE_METADATA_KEY, nodes_of_blocks


@dataclass
class QuantizeResult:
    excluded_nodes: list[str]  # Detect-decode nodes left in float
    calibration_images: list[Path]
    keep_float_nodes: list[str]  # the Conv nodes of the blocks kept in float


def quantize_onnx(
    fp32_model: Path,
    out: Path,
    config: QuantConfig,
    input_hw: tuple[int, int],
    input_name: str,
    keep_float: Sequence[str] = (),
    keep_float_source: str | None = None,
    images: Sequence[Path] | None = None,
) -> QuantizeResult:
    """Calibrate on ``config.calibration_images`` coco128 images and write the QDQ model to ``out``.

    ``keep_float``: blocks (``model.<i>``, ``model.<detect>.m.<j>``; quantization/float_blocks.py) whose
    convolutions stay float, given to ORT as ``nodes_to_exclude`` with the decode; ``keep_float_source``
    (which analysis chose them) goes into the file's metadata for the manifest to read back. ``images``
    replaces the config's calibration images (the sensitivity analysis' folds).
    """
    images = list(images) if images is not None else calibration_images(config.calibration_images)
    reader = LetterboxCalibrationReader(images, input_hw, input_name)
    fp32 = onnx.load(str(fp32_model))
    decode = detect_decode_nodes(fp32) if config.keep_decode_float else []
    kept = nodes_of_blocks(fp32, keep_float)
    with _quiet():
        quantize_static(str(fp32_model), str(out), reader, **config.quantize_static_kwargs(decode + kept))
    if config.weights_as_uint8 or keep_float_source is not None:
        model = onnx.load(str(out))
        if config.weights_as_uint8:
            shift_weights_to_uint8(model)
        if keep_float_source is not None:
            onnx.helper.set_model_props(
                model,
                {**{p.key: p.value for p in model.metadata_props}, SOURCE_METADATA_KEY: keep_float_source},
            )
        onnx.save(model, str(out))
    return QuantizeResult(decode, images, kept)


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
