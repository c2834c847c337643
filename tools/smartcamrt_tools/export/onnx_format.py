"""The ONNX row of the export table: writing the artifact, and running it for the parity check."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from ..errors import ToolError
from ..validate import Runner
from .request import ExportRequest

INPUT_NAME = "images"
OUTPUT_NAME = "output0"
MIN_OPSET = 17


def export_onnx(request: ExportRequest) -> None:
    """torch.onnx.export with a static 1x3xHxW float32 input, then class names/stride as metadata."""
    opset = request.opset or MIN_OPSET
    if opset < MIN_OPSET:
        raise ToolError(f"--opset {opset} is too old; the project needs opset >= {MIN_OPSET}")
    # The torch.export-based (dynamo) exporter is used: with this static-shape model it exports cleanly
    # and its graph optimisation folds the Detect grids into constants (fewer nodes than the legacy
    # TorchScript exporter). Shapes stay static: no dynamic_shapes are given.
    with _quiet_exporter():
        program = torch.onnx.export(
            request.model,
            (torch.from_numpy(request.sample_input),),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            opset_version=opset,
            dynamo=True,
            verbose=False,
        )
    model = program.model_proto
    _set_metadata(model, request.metadata)
    onnx.checker.check_model(model)
    onnx.save(model, str(request.artifact))


@contextlib.contextmanager
def _quiet_exporter():
    """Hold back the exporter's progress prints and advisory warnings; they would bury our output.

    Known advisories with torch 2.13: it builds opset 18 and converts down to 17 through the ONNX C API
    (works for every op this model uses; the checker and the parity check confirm the result), and it
    notes that torchvision ops are unavailable (none are used).
    """
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _set_metadata(model: onnx.ModelProto, metadata: dict) -> None:
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value if isinstance(value, str) else json.dumps(value)


def open_onnx_runner(artifact: Path) -> Runner:
    """An ONNX Runtime CPU session wrapped as a Runner."""
    session = ort.InferenceSession(str(artifact), providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name

    def run(batch: np.ndarray) -> np.ndarray:
        return session.run(None, {input_name: batch})[0]

    return run
