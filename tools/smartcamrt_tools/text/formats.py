"""The text models' export table: one row per artifact format, looked up by name (as ``export/formats.py``
is for the detector).

Every row takes the trained PyTorch classifier (``input_ids``, ``attention_mask`` -> ``logits``) and writes
an artifact; its runner takes one text's ids and returns that text's two logits, the way the engine runs
it (batch 1). A row with ``static_length`` has a fixed input length: the runner pads the ids to it at the
end (mask 0 there), and the manifest says so (``input.length``); the engine pads the same way.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ToolError

INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "logits"
# The exporter (torch 2.13) builds opset 18; the detector asks for 17 and gets a converted graph, but for
# these graphs the down-conversion fails (ReduceMax/ReduceSum take their axes as an input from 18 on and
# the converter cannot turn a computed one back into an attribute), so the text models stay at 18, which
# ONNX Runtime 1.30 (Python and the engine's) runs.
OPSET = 18
MAX_POSITIONS = 512  # upper bound of the dynamic length given to exporters that need one

# One text's ids -> its logits, float32 [2].
TextRunner = Callable[[Sequence[int]], np.ndarray]


@dataclass(frozen=True)
class TextTolerance:
    """Limits on a prepared text model against the fp32 PyTorch model, over every SST-2 dev sentence:
    the largest absolute logit difference, and the share of sentences given the same label."""

    max_abs_logit: float
    min_label_agreement: float


@dataclass
class TextExportRequest:
    model: nn.Module  # eval mode, fp32
    artifact: Path
    static_length: int | None = None  # None: dynamic length


@dataclass(frozen=True)
class TextFormat:
    name: str
    suffix: str
    precision: str
    runtime: str  # engine backend that runs it
    export: Callable[[TextExportRequest], None]
    open_runner: Callable[[Path, int | None], TextRunner]
    tolerance: TextTolerance
    packages: tuple[str, ...]
    description: str
    static_length: int | None = None  # fixed input length of the artifact (None: dynamic)


def _sample(length: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.arange(2, 2 + length, dtype=torch.int64).unsqueeze(0)
    return ids, torch.ones_like(ids)


def pad_to(ids: Sequence[int], length: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``[1, L]`` int64 ids and mask; padded at the end to ``length`` when given (ids beyond it dropped)."""
    ids = list(ids)
    if length is None:
        return np.asarray([ids], dtype=np.int64), np.ones((1, len(ids)), dtype=np.int64)
    ids = ids[:length]
    padded = np.zeros((1, length), dtype=np.int64)
    mask = np.zeros((1, length), dtype=np.int64)
    padded[0, : len(ids)] = ids
    mask[0, : len(ids)] = 1
    return padded, mask


# --- ONNX (fp32 and dynamic int8), run by ONNX Runtime --------------------------------------------------


def export_text_onnx(request: TextExportRequest) -> None:
    """torch.onnx.export (the torch.export-based exporter, as for the detector) with a dynamic length."""
    import onnx

    from ..export.onnx_format import _quiet_exporter

    sample = _sample()
    dynamic = None
    if request.static_length is None:
        length = torch.export.Dim("sequence", min=1, max=MAX_POSITIONS)
        dynamic = {"input_ids": {1: length}, "attention_mask": {1: length}}
    else:
        sample = tuple(torch.from_numpy(t) for t in pad_to(range(2, 10), request.static_length))
    _forget_rnn_dispatch()
    with _quiet_exporter():
        program = torch.onnx.export(
            request.model,
            sample,
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            opset_version=OPSET,
            dynamo=True,
            dynamic_shapes=dynamic,
            verbose=False,
        )
    model = program.model_proto
    onnx.checker.check_model(model)
    if request.static_length is None and model.graph.input[0].type.tensor_type.shape.dim[1].dim_value:
        raise ToolError("the ONNX exporter fixed the sequence length of a dynamic-length export")
    onnx.save(model, str(request.artifact))


def _forget_rnn_dispatch() -> None:
    """Clear the dispatcher's cached kernel choice for aten.lstm/gru.

    For a dynamic length, torch.onnx (torch 2.13) registers a while_loop decomposition of ``aten.lstm``
    for the duration of the export and removes it afterwards, but the operator's dispatch cache keeps
    whichever kernel the first export resolved: every later LSTM export in the same process then traces
    the C++ decomposition, which fixes the sequence length without a word. A cleared cache resolves
    afresh (measured: 4 exports in a row keep the length dynamic; without this only the first does).
    """
    for op in (torch.ops.aten.lstm.input, torch.ops.aten.gru.input):
        cache = getattr(op, "_dispatch_cache", None)
        if cache is not None:
            cache.clear()


def export_text_onnx_int8(request: TextExportRequest) -> None:
    """The fp32 ONNX export, then ONNX Runtime's dynamic quantization: int8 weights (per tensor, 7-bit
    range, see :data:`INT8_REDUCE_RANGE`), activations quantized to uint8 at run time, per batch."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="smartcamrt-text-int8-") as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        export_text_onnx(dataclasses.replace(request, artifact=fp32))
        # The exporter's value_info annotations trip the quantizer's own shape inference ("inferred shape
        # and existing shape differ"); without them ONNX infers every shape afresh.
        model = onnx.load(str(fp32))
        del model.graph.value_info[:]
        onnx.save(model, str(fp32))
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantizer's advice to run its pre-processing (not needed here)
        try:
            quantize_dynamic(
                str(fp32), str(request.artifact), weight_type=QuantType.QInt8, reduce_range=INT8_REDUCE_RANGE
            )
        finally:
            root.setLevel(level)
        onnx.checker.check_model(onnx.load(str(request.artifact)))


# u8 activations x s8 weights: ONNX Runtime's x86 kernels without VNNI add pairs of products in a
# saturating int16; weights in 7 bits keep every pair in range, so the model computes the same on every
# CPU (see quantization/isa.py and docs/text-models.md for what it costs here).
INT8_REDUCE_RANGE = True


def open_text_onnx_runner(artifact: Path, static_length: int | None = None) -> TextRunner:
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(artifact), providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own exception types
        raise ToolError(
            f"{artifact}: ONNX Runtime cannot load it: {str(exc).strip().splitlines()[0]}"
        ) from exc
    names = [i.name for i in session.get_inputs()]

    def run(ids: Sequence[int]) -> np.ndarray:
        input_ids, mask = pad_to(ids, static_length)
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        return session.run(None, {name: feeds[name] for name in names})[0][0]

    return run


# --- table ----------------------------------------------------------------------------------------------

# fp32 ONNX vs PyTorch: float rounding only (different kernels, fused ops). Measured over the 872 dev
# sentences (ORT 1.30 vs torch 2.13, this machine): see docs/text-models.md; limits ~10x above.
ONNX_FP32_TOLERANCE = TextTolerance(max_abs_logit=1e-3, min_label_agreement=0.998)
# int8 (dynamic): the logits move by up to a few tenths; what judges it is the labels (and its own dev
# accuracy, in the manifest). Agreement floor measured in docs/text-models.md.
ONNX_INT8_TOLERANCE = TextTolerance(max_abs_logit=5.0, min_label_agreement=0.97)

TEXT_FORMATS: dict[str, TextFormat] = {
    row.name: row
    for row in (
        TextFormat(
            name="onnx",
            suffix=".onnx",
            precision="fp32",
            runtime="ort",
            export=export_text_onnx,
            open_runner=open_text_onnx_runner,
            tolerance=ONNX_FP32_TOLERANCE,
            packages=("torch", "onnx", "onnxruntime", "onnxscript"),
            description="ONNX (opset 18), input_ids/attention_mask int64 [1, L] with L dynamic; ONNX Runtime",
        ),
        TextFormat(
            name="onnx-int8",
            suffix=".int8.onnx",
            precision="int8",
            runtime="ort",
            export=export_text_onnx_int8,
            open_runner=open_text_onnx_runner,
            tolerance=ONNX_INT8_TOLERANCE,
            packages=("torch", "onnx", "onnxruntime", "onnxscript"),
            description="ONNX with dynamic int8 quantization (int8 weights, uint8 activations quantized at "
            "run time); same inputs and output as the fp32 ONNX",
        ),
    )
}


def get_text_format(name: str) -> TextFormat:
    try:
        return TEXT_FORMATS[name.lower()]
    except KeyError:
        raise ToolError(
            f"unknown text model format '{name}'; known: {', '.join(sorted(TEXT_FORMATS))}"
        ) from None
