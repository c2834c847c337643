"""The LiteRT/TFLite rows of the export table: writing a ``.tflite`` model, and running it for parity checks.

Conversion goes PyTorch -> LiteRT directly with ``litert-torch`` (``litert_torch.convert``: torch.export, then
the LiteRT converter), not through ONNX: litert-torch 0.10.0 admits torch 2.13.0 (``torch<2.15,>=2.4``),
whereas onnx2tf pins onnx 1.19.1, onnxruntime 1.23.0, numpy 1.26.4 and tensorflow 2.19.0, all of which clash
with the project's pins (see docs/runtimes/litert.md).

- The input stays NCHW ``[1, 3, H, W]`` float32, like every other row, so the engine's Detector and the
  manifest's input contract apply unchanged (the converter adds the layout transposes inside the model).
- One graph rewrite before conversion: ``x ** 2`` (the Detect head's ``(2 * sigmoid) ** 2``) becomes
  ``x * x``; the LiteRT converter refuses ``tfl.pow`` with a float exponent ("failed to legalize").
- ``tflite-fp16`` converts at fp32, then casts the weights to float16 with ``ai-edge-quantizer``'s
  float-casting recipe (weights stored fp16 with DEQUANTIZE ops, activations fp32; the layout TensorFlow's
  own fp16 post-training quantization produces).
- The TFLite flatbuffer has no place the C API exposes for free-form metadata, so class names and strides
  live only in the manifest beside the artifact (which the engine reads).

``litert_torch`` and ``ai_edge_quantizer`` are imported lazily: they take seconds to import, and the format
table must stay cheap.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from ..errors import ToolError
from ..validate import Runner
from .request import ExportRequest

# Tensor names inside the converted model (litert-torch names them after the signature and its argument).
INPUT_NAME = "serving_default_images"
OUTPUT_NAME = "serving_default_output_0_output"
RUNNER_THREADS = 2

# ai-edge-quantizer recipe: every weight tensor cast to float16, computation stays float32.
FP16_WEIGHTS_RECIPE = [
    {
        "regex": ".*",
        "operation": "*",
        "algorithm_key": "float_casting",
        "op_config": {
            "weight_tensor_config": {
                "num_bits": 16,
                "symmetric": True,
                "granularity": "TENSORWISE",
                "dtype": "FLOAT",
            },
            "compute_precision": "FLOAT",
            "explicit_dequantize": True,
        },
    }
]


def export_tflite_fp32(request: ExportRequest) -> None:
    """fp32 weights and activations."""
    _convert(request, request.artifact)


def export_tflite_fp16(request: ExportRequest) -> None:
    """fp16 weights (dequantized to fp32 at load), fp32 activations."""
    with tempfile.TemporaryDirectory(prefix="smartcamrt-tflite-") as tmp:
        fp32 = Path(tmp) / "fp32.tflite"
        _convert(request, fp32)
        with _quiet():
            from ai_edge_quantizer import quantizer

            engine = quantizer.Quantizer(str(fp32))
            engine.load_quantization_recipe(FP16_WEIGHTS_RECIPE)
            result = engine.quantize()
            request.artifact.unlink(missing_ok=True)
            result.export_model(str(request.artifact), overwrite=True)


def export_tflite_int8(request: ExportRequest) -> None:
    """Integer body: litert-torch's PT2E quantizer (int8 symmetric per-channel weights, int8 activations),
    calibrated on letterboxed training-split images, converted to TFLite int8 kernels; the float32
    input is quantized by the first op and the Detect decode stays float (see :mod:`.int8_common`)."""
    from . import int8_common

    sample = torch.from_numpy(request.sample_input)
    input_hw = (int(sample.shape[-2]), int(sample.shape[-1]))
    keep_float, _ = int8_common.keep_float_blocks(input_hw, scheme="litert")
    with _quiet():
        import litert_torch
        from litert_torch.quantize.pt2e_quantizer import PT2EQuantizer, get_symmetric_quantization_config
        from litert_torch.quantize.quant_config import QuantConfig

        quantizer = PT2EQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
        batches = int8_common.calibration_batches(input_hw)
        joined = int8_common.pt2e_quantize(
            request.model,
            sample,
            quantizer,
            batches,
            fold_quantize=False,
            keep_float=keep_float,
            split_silu=True,
        )
        graph = torch.export.export(_FloatInput(joined), (sample,), strict=False).module()
        _square_instead_of_pow(graph)
        try:
            model = litert_torch.convert(
                _Images(graph),
                sample_kwargs={"images": sample},
                quant_config=QuantConfig(pt2e_quantizer=quantizer),
            )
        except Exception as exc:
            raise ToolError(f"LiteRT int8 conversion failed: {str(exc).strip().splitlines()[0]}") from exc
        model.export(str(request.artifact))


class _FloatInput(torch.nn.Module):
    """``clamp(0, 1)`` (a no-op on letterboxed /255 input) in front of the quantized model: without a float
    op before the first quantize, the converter folds that quantize into the model's input, which then
    takes int8 instead of the float32 every other row takes."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.clamp(0.0, 1.0))


class _Images(torch.nn.Module):
    """Names the model's one argument ``images`` (-> tensor ``serving_default_images``)."""

    def __init__(self, graph: torch.nn.Module):
        super().__init__()
        self.traced = graph

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.traced(images)


def _convert(request: ExportRequest, artifact: Path) -> None:
    sample = torch.from_numpy(request.sample_input)
    with _quiet():
        import litert_torch

        # strict=False: trace with the Python frontend (plain eager PyTorch); shapes static.
        exported = torch.export.export(request.model.eval(), (sample,), strict=False)
        graph = exported.module()
        _square_instead_of_pow(graph)
        try:
            model = litert_torch.convert(_Images(graph), sample_kwargs={"images": sample})
        except Exception as exc:  # the converter raises bare ValueError/RuntimeError with MLIR dumps
            raise ToolError(f"LiteRT conversion failed: {str(exc).strip().splitlines()[0]}") from exc
        model.export(str(artifact))


def _square_instead_of_pow(graph: torch.fx.GraphModule) -> int:
    """``aten.pow(x, 2)`` -> ``aten.mul(x, x)``; returns how many were rewritten."""
    rewritten = 0
    for node in graph.graph.nodes:
        is_pow = node.op == "call_function" and node.target == torch.ops.aten.pow.Tensor_Scalar
        if is_pow and node.args[1] == 2:
            node.target = torch.ops.aten.mul.Tensor
            node.args = (node.args[0], node.args[0])
            rewritten += 1
    graph.recompile()
    return rewritten


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hold back the converter's progress lines, the quantizer's report and advisory warnings.

    Known advisories: TensorFlow-style oneDNN/absl notices from the converter's native code (stderr, left
    alone: they come from C++), torchao's note that its CUDA kernels cannot load (CPU machine), and torch's
    pytree deprecation notice for an enum registered by torchao.
    """
    loggers = [logging.getLogger(name) for name in ("litert_torch", "ai_edge_quantizer", "absl", "torchao")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def open_tflite_runner(artifact: Path) -> Runner:
    """The LiteRT interpreter (ai-edge-litert, XNNPACK delegate, 2 threads) wrapped as a Runner."""
    from ai_edge_litert.interpreter import Interpreter

    try:
        interpreter = Interpreter(model_path=str(artifact), num_threads=RUNNER_THREADS)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise ToolError(f"model '{artifact}': LiteRT cannot load it: {reason}") from exc
    (input_detail,) = interpreter.get_input_details()
    output_detail = interpreter.get_output_details()[0]

    def run(batch: np.ndarray) -> np.ndarray:
        interpreter.set_tensor(input_detail["index"], np.ascontiguousarray(batch, dtype=np.float32))
        interpreter.invoke()
        return interpreter.get_tensor(output_detail["index"]).copy()

    return run
