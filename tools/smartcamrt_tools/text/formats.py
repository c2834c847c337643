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
    export: Callable[[TextExportRequest], int | None]  # writes the artifact; returns its fixed length or None
    open_runner: Callable[[Path, int | None], TextRunner]
    tolerance: TextTolerance
    packages: tuple[str, ...]
    description: str
    static_length: int | None = None  # fixed input length of the artifact (None: dynamic)
    input_dtype: str = "int64"  # of input_ids and attention_mask inside the artifact


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


def export_text_onnx(request: TextExportRequest) -> int | None:
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
    return request.static_length


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


def export_text_onnx_int8(request: TextExportRequest) -> int | None:
    """The fp32 ONNX export, then ONNX Runtime's dynamic quantization: int8 weights (per output channel,
    7-bit range, see :data:`INT8_REDUCE_RANGE`), activations quantized to uint8 at run time, per call.

    Measured on the fine-tuned MiniLM (872 dev sentences, docs/text-models.md): per-tensor weights lost a
    point of accuracy (0.8888 against 0.8991) and agreed with fp32 on 95.3% of the labels; per channel
    keeps 0.8991 and 98.6% agreement at the same size and speed."""
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
                str(fp32),
                str(request.artifact),
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=INT8_REDUCE_RANGE,
            )
        finally:
            root.setLevel(level)
        onnx.checker.check_model(onnx.load(str(request.artifact)))
    return request.static_length


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


# --- ExecuTorch (.pte, XNNPACK delegate) ----------------------------------------------------------------

# The length bound of a dynamic-length program (ExecuTorch plans memory for the largest shape).
EXECUTORCH_MAX_LENGTH = 128


def export_text_executorch(request: TextExportRequest) -> int | None:
    """torch.export -> XNNPACK-delegated ExecuTorch program. A dynamic length (1..128) where torch.export
    keeps it symbolic (the BERT); a fixed length of 128, the text padded at the end, where it cannot
    (the LSTM: torch 2.13 unrolls ``aten.lstm`` over the time steps, so the length is fixed)."""
    from ..export.executorch_format import _delegation_summary, _quiet

    model = request.model.eval()
    length = request.static_length
    with _quiet():
        from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
        from executorch.devtools.backend_debug import get_delegation_info
        from executorch.exir import to_edge_transform_and_lower

        exported = None
        if length is None:
            dim = torch.export.Dim("sequence", min=1, max=EXECUTORCH_MAX_LENGTH)
            try:
                exported = torch.export.export(
                    model,
                    _sample(),
                    dynamic_shapes={"input_ids": {1: dim}, "attention_mask": {1: dim}},
                    strict=False,
                )
            except Exception:  # constraint violation: this model's length cannot stay symbolic
                length = EXECUTORCH_MAX_LENGTH
        if exported is None:
            sample = tuple(torch.from_numpy(t) for t in pad_to(range(2, 10), length))
            exported = torch.export.export(model, sample, strict=False)
        edge = to_edge_transform_and_lower(exported, partitioner=[XnnpackPartitioner()])
        summary = _delegation_summary(True, get_delegation_info(edge.exported_program().graph_module))
        program = edge.to_executorch()
    request.artifact.write_bytes(program.buffer)
    print(f"delegation: {summary}; length {'dynamic (1-128)' if length is None else f'fixed {length}'}")
    return length


def open_text_executorch_runner(artifact: Path, static_length: int | None = None) -> TextRunner:
    from ..export.executorch_format import _load_program, _quiet

    program = _load_program(artifact)
    with _quiet():
        method = program.load_method("forward")

    def run(ids: Sequence[int]) -> np.ndarray:
        if static_length is None and len(ids) > EXECUTORCH_MAX_LENGTH:
            ids = list(ids)[:EXECUTORCH_MAX_LENGTH]
        input_ids, mask = pad_to(ids, static_length)
        with _quiet():
            (output,) = method.execute([torch.from_numpy(input_ids), torch.from_numpy(mask)])
        return output.numpy()[0].copy()

    return run


# --- LiteRT / TFLite -----------------------------------------------------------------------------------

TFLITE_LENGTH = 128  # litert-torch 0.10 converts these models at a fixed length only (see docs)


class _NamedInputs(nn.Module):
    """Names the converted model's inputs ``serving_default_input_ids`` / ``..._attention_mask``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids, attention_mask)


def export_text_tflite(request: TextExportRequest) -> int | None:
    """litert-torch conversion at a fixed length of 128 (ids and mask become int32 in the flatbuffer)."""
    from ..export.tflite_format import _quiet

    length = request.static_length or TFLITE_LENGTH
    ids, mask = (torch.from_numpy(t) for t in pad_to(range(2, 10), length))
    with _quiet():
        import litert_torch

        try:
            converted = litert_torch.convert(
                _NamedInputs(request.model.eval()), sample_kwargs={"input_ids": ids, "attention_mask": mask}
            )
        except Exception as exc:  # the converter raises bare ValueError/RuntimeError with MLIR dumps
            raise ToolError(f"LiteRT conversion failed: {str(exc).strip().splitlines()[0]}") from exc
        converted.export(str(request.artifact))
    return length


def open_text_tflite_runner(artifact: Path, static_length: int | None = None) -> TextRunner:
    from ai_edge_litert.interpreter import Interpreter

    from ..export.tflite_format import RUNNER_THREADS

    try:
        interpreter = Interpreter(model_path=str(artifact), num_threads=RUNNER_THREADS)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ToolError(f"{artifact}: LiteRT cannot load it: {str(exc).strip().splitlines()[0]}") from exc
    details = {
        ("mask" if "attention_mask" in d["name"] else "ids"): d for d in interpreter.get_input_details()
    }
    output = interpreter.get_output_details()[0]
    length = int(details["ids"]["shape"][1])

    def run(ids: Sequence[int]) -> np.ndarray:
        input_ids, mask = pad_to(ids, length)
        interpreter.set_tensor(details["ids"]["index"], input_ids.astype(details["ids"]["dtype"]))
        if "mask" in details:
            interpreter.set_tensor(details["mask"]["index"], mask.astype(details["mask"]["dtype"]))
        interpreter.invoke()
        return interpreter.get_tensor(output["index"])[0].copy()

    return run


# --- table ----------------------------------------------------------------------------------------------

# fp32 ONNX vs PyTorch: float rounding only (different kernels, fused ops). Measured over the 872 dev
# sentences (ORT 1.30 vs torch 2.13, this machine): see docs/text-models.md; limits ~10x above.
ONNX_FP32_TOLERANCE = TextTolerance(max_abs_logit=1e-3, min_label_agreement=0.998)
# int8 (dynamic, per-channel 7-bit weights): the logits move by up to ~0.7 (MiniLM, measured 0.655);
# what judges it is the labels and its own dev accuracy (in the manifest). Measured agreement with fp32:
# 0.986 (MiniLM); the floor leaves room for a few more near-ties, while per-tensor weights (0.953) fail.
ONNX_INT8_TOLERANCE = TextTolerance(max_abs_logit=5.0, min_label_agreement=0.97)
# ExecuTorch (XNNPACK) and LiteRT fp32: float rounding only, as ONNX.
EXECUTORCH_FP32_TOLERANCE = TextTolerance(max_abs_logit=1e-3, min_label_agreement=0.998)
TFLITE_FP32_TOLERANCE = TextTolerance(max_abs_logit=1e-3, min_label_agreement=0.998)

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
        TextFormat(
            name="executorch",
            suffix=".pte",
            precision="fp32",
            runtime="executorch",
            export=export_text_executorch,
            open_runner=open_text_executorch_runner,
            tolerance=EXECUTORCH_FP32_TOLERANCE,
            packages=("torch", "executorch"),
            description="ExecuTorch program, XNNPACK delegate; dynamic length 1-128 (BERT) or fixed 128 "
            "(LSTM); inputs by position: input_ids, attention_mask",
        ),
        TextFormat(
            name="tflite",
            suffix=".tflite",
            precision="fp32",
            runtime="litert",
            export=export_text_tflite,
            open_runner=open_text_tflite_runner,
            tolerance=TFLITE_FP32_TOLERANCE,
            packages=("torch", "litert-torch", "ai-edge-litert"),
            description="LiteRT flatbuffer converted by litert-torch at a fixed length of 128 (int32 ids and "
            "mask, the text padded at the end); LiteRT interpreter with XNNPACK",
            static_length=TFLITE_LENGTH,
            input_dtype="int32",
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
