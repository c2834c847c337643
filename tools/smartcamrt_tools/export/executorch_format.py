"""The ExecuTorch rows of the export table: writing a ``.pte`` program, and running it for the parity check.

``torch.export`` captures the fused fp32 model with a static 1x3xHxW input, ``to_edge_transform_and_lower``
hands every subgraph the XNNPACK partitioner accepts to the XNNPACK delegate, and ``to_executorch``
plans memory and serialises the program. Operators XNNPACK does not take (for YOLOv5: the nearest
upsample, the Detect grid constants) stay in the program and run on ExecuTorch's optimized/portable CPU
kernels; the ``executorch-portable`` row skips the delegate entirely (every operator on those kernels).
Class names and strides go into the program as constant methods (``names``, ``stride``: JSON strings,
like the ONNX metadata); the C++ backend exposes them as model metadata. The delegation summary (how
many operator nodes XNNPACK took) is printed at export.

``executorch`` is imported lazily: importing it takes seconds, and the format table must stay cheap.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from ..errors import ToolError
from ..validate import Runner
from .request import ExportRequest

# A .pte program carries no tensor names; these are the names the C++ backend reports for them.
INPUT_NAME = "input0"
OUTPUT_NAME = "output0"
METHOD = "forward"


def export_executorch_xnnpack(request: ExportRequest) -> None:
    """fp32 program with the XNNPACK delegate (unsupported operators fall back to the CPU kernels)."""
    _export(request, delegate=True)


def export_executorch_portable(request: ExportRequest) -> None:
    """fp32 program with no delegate: every operator runs on the optimized/portable CPU kernels."""
    _export(request, delegate=False)


def export_executorch_int8(request: ExportRequest) -> None:
    """PT2E static int8 (XNNPACK quantizer: per-channel symmetric int8 weights, int8 per-tensor
    activations), calibrated on letterboxed training-split images; the Detect decode and the blocks the
    sensitivity analysis names stay float (see :mod:`.int8_common`)."""
    _export(request, delegate=True, int8=True)


def _int8_model(request: ExportRequest, sample: torch.Tensor) -> torch.nn.Module:
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )

    from . import int8_common

    input_hw = (int(sample.shape[-2]), int(sample.shape[-1]))
    keep_float, _ = int8_common.keep_float_blocks(input_hw)
    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    batches = int8_common.calibration_batches(input_hw)
    return int8_common.pt2e_quantize(request.model, sample, quantizer, batches, keep_float=keep_float)


def _export(request: ExportRequest, delegate: bool, int8: bool = False) -> None:
    with _quiet():
        from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
        from executorch.devtools.backend_debug import get_delegation_info
        from executorch.exir import to_edge_transform_and_lower

        sample = torch.from_numpy(request.sample_input)
        # strict=False: trace with the Python frontend (the model is plain eager PyTorch); shapes static.
        model = _int8_model(request, sample) if int8 else request.model
        exported = torch.export.export(model, (sample,), strict=False)
        metadata = {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in request.metadata.items()
        }
        partitioners = [XnnpackPartitioner()] if delegate else []
        edge = to_edge_transform_and_lower(exported, partitioner=partitioners, constant_methods=metadata)
        info = get_delegation_info(edge.exported_program(METHOD).graph_module)
        summary = _delegation_summary(delegate, info)
        program = edge.to_executorch()
    request.artifact.write_bytes(program.buffer)
    print(f"delegation: {summary}")


def _delegation_summary(delegate: bool, info) -> str:
    kernels = "on the portable/optimized CPU kernels"
    if not delegate:
        return f"none: all {info.num_non_delegated_nodes} operator nodes {kernels}"
    return (
        f"XnnpackBackend: {info.num_delegated_nodes} operator nodes in {info.num_delegated_subgraphs} "
        f"subgraphs; {info.num_non_delegated_nodes} nodes {kernels}"
    )


def read_program_metadata(artifact: Path) -> dict[str, str]:
    """The constant string methods of a .pte (``names``, ``stride``)."""
    program = _load_program(artifact)
    result = {}
    with _quiet():
        for name in sorted(program.method_names - {METHOD}):
            values = program.load_method(name).execute([])
            if len(values) == 1 and isinstance(values[0], str):
                result[name] = values[0]
    return result


def open_executorch_runner(artifact: Path) -> Runner:
    """The program's ``forward`` through ExecuTorch's Python runtime (the same C++ runtime and kernels)."""
    program = _load_program(artifact)
    with _quiet():  # loading the XNNPACK delegate creates the thread pool, whose cpuinfo probe logs
        method = program.load_method(METHOD)

    def run(batch: np.ndarray) -> np.ndarray:
        with _quiet():
            (output,) = method.execute([torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))])
        return output.numpy().copy()  # the output lives in the method's arena, reused by the next run

    return run


def _load_program(artifact: Path):
    with _quiet():
        from executorch.runtime import Runtime

        try:
            return Runtime.get().load_program(Path(artifact))
        except (RuntimeError, ValueError) as error:
            raise ToolError(f"{artifact}: ExecuTorch cannot load it: {error}") from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hold back what executorch, torchao and torch.export print while working; it would bury our output.

    Known with executorch 1.5.1 / torch 2.13: torchao notes that its CUDA kernels cannot load (CPU-only
    machine), torch warns about deprecated pytree/LeafSpec uses inside exir, and the runtime's cpuinfo
    probe logs what it cannot read under /sys (native stderr). Native stderr is captured in a temporary
    file and replayed if the block fails, so a real error still shows.
    """
    loggers = [logging.getLogger(name) for name in ("torchao", "torch._export", "torch.export", "executorch")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        failed = True
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)
            if failed:
                captured.seek(0)
                sys.stderr.write(captured.read().decode(errors="replace"))
