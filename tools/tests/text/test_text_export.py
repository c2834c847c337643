"""Export rows of the text table on tiny models: dynamic length, parity gate, manifest fields."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from smartcamrt_tools.errors import ParityError, ToolError
from smartcamrt_tools.text.data import TextSet
from smartcamrt_tools.text.formats import (
    TEXT_FORMATS,
    TextExportRequest,
    TextTolerance,
    get_text_format,
    pad_to,
)
from smartcamrt_tools.text.parity import check_text_parity
from smartcamrt_tools.text.pipeline import ARCHS, Trained, export_text_model
from smartcamrt_tools.text.train import predict_logits
from smartcamrt_tools.text.words import WordVocab

from .conftest import tiny_bert, tiny_lstm

SENTENCES = [
    "a charming and often affecting journey .",
    "unflinchingly bleak and desperate",
    "the acting , costumes , music , cinematography and sound are all astounding given the production 's "
    "austere locales .",
    "it 's slow -- very , very slow .",
    "good",
]


def _sequences(vocab_size: int) -> list[list[int]]:
    rng = np.random.default_rng(0)
    return [rng.integers(2, vocab_size, size=n).tolist() for n in (1, 4, 9, 17, 33, 60)]


@pytest.mark.parametrize("builder,vocab_size", [(tiny_lstm, 50), (tiny_bert, 120)], ids=["lstm", "bert"])
def test_onnx_dynamic_length_matches_pytorch(builder, vocab_size, tmp_path):
    model = builder()
    fmt = get_text_format("onnx")
    artifact = tmp_path / f"m{fmt.suffix}"
    fmt.export(TextExportRequest(model, artifact))
    graph = onnx.load(str(artifact)).graph
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in graph.output] == ["logits"]
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert graph.input[0].type.tensor_type.shape.dim[1].dim_param  # a named, dynamic length
    sequences = _sequences(vocab_size)
    reference = predict_logits(model, sequences)
    record, _ = check_text_parity(reference, fmt.open_runner(artifact, None), sequences, fmt.tolerance)
    assert record["passed"], record
    assert record["max_abs_diff"] < 1e-4 and record["label_agreement"] == 1.0


def test_onnx_int8_of_a_tiny_bert(tmp_path):
    model = tiny_bert()
    fmt = get_text_format("onnx-int8")
    artifact = tmp_path / f"m{fmt.suffix}"
    fmt.export(TextExportRequest(model, artifact))
    ops = {node.op_type for node in onnx.load(str(artifact)).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops
    sequences = _sequences(120)
    logits = np.stack([fmt.open_runner(artifact, None)(s) for s in sequences])
    assert np.abs(logits - predict_logits(model, sequences)).max() < 0.5


@pytest.mark.parametrize("builder,vocab_size", [(tiny_lstm, 50), (tiny_bert, 120)], ids=["lstm", "bert"])
def test_static_length_padding(builder, vocab_size, tmp_path):
    model = builder()
    fmt = get_text_format("onnx")
    artifact = tmp_path / "static.onnx"
    fmt.export(TextExportRequest(model, artifact, static_length=16))
    graph = onnx.load(str(artifact)).graph
    assert graph.input[0].type.tensor_type.shape.dim[1].dim_value == 16
    runner = fmt.open_runner(artifact, 16)
    sequences = [s[:16] for s in _sequences(vocab_size)]
    record, _ = check_text_parity(predict_logits(model, sequences), runner, sequences, fmt.tolerance)
    assert record["passed"], record


def test_pad_to():
    ids, mask = pad_to([5, 6, 7], 5)
    assert ids.tolist() == [[5, 6, 7, 0, 0]] and mask.tolist() == [[1, 1, 1, 0, 0]]
    ids, mask = pad_to([5, 6, 7], None)
    assert ids.dtype == np.int64 and mask.tolist() == [[1, 1, 1]]
    assert pad_to(list(range(9)), 4)[0].tolist() == [[0, 1, 2, 3]]


def test_parity_gate_catches_a_wrong_model():
    reference = np.array([[1.0, -1.0], [-1.0, 1.0]], dtype=np.float32)
    tolerance = TextTolerance(max_abs_logit=1e-3, min_label_agreement=0.99)
    record, _ = check_text_parity(reference, lambda ids: np.array([1.0, -1.0]), [[1], [2]], tolerance)
    assert not record["passed"] and record["label_agreement"] == 0.5


def test_unknown_format():
    with pytest.raises(ToolError, match="unknown text model format"):
        get_text_format("pdf")


def test_cli_choices_follow_the_tables():
    from smartcamrt_tools.text.cli import ARCH_NAMES, FORMAT_NAMES

    assert tuple(ARCHS) == ARCH_NAMES
    assert tuple(TEXT_FORMATS) == FORMAT_NAMES


def _trained(model, tmp_path, kind="words") -> Trained:
    vocab = WordVocab.build(SENTENCES)
    vocab_file = vocab.write(tmp_path / "tiny.vocab.txt")
    tokenizer = {"kind": kind, "vocab": vocab_file.name, "lower_case": True, "max_length": 128}
    return Trained(
        model,
        vocab_file,
        tokenizer,
        lambda text: [min(i, 49) for i in vocab.encode(text, 128)],
        {"examples": 0},
        {"weights": {"file": "tiny.safetensors"}},
    )


def test_export_text_model_writes_the_manifest(tmp_path):
    dev = TextSet(tmp_path / "dev.tsv", "0" * 64, SENTENCES, [1, 0, 1, 0, 1])
    trained = _trained(tiny_lstm(), tmp_path)
    artifact = export_text_model(
        trained,
        ARCHS["lstm"],
        get_text_format("onnx"),
        "k" * 64,
        dev,
        tmp_path / "tiny.onnx",
        log=lambda _: None,
    )
    manifest = json.loads((tmp_path / "tiny.onnx.json").read_text())
    assert manifest["task"] == "text-classification"
    assert manifest["labels"] == ["negative", "positive"]
    assert manifest["inputs"] == ["input_ids", "attention_mask"]
    assert manifest["input"]["length"] is None and manifest["input"]["dtype"] == "int64"
    assert manifest["dynamic_length"] is True and manifest["output_activation"] == "none"
    assert manifest["output"] == {"name": "logits", "dtype": "float32", "shape": [1, 2], "kind": "logits"}
    assert manifest["tokenizer"]["vocab"] == "tiny.vocab.txt" and manifest["tokenizer"]["kind"] == "words"
    assert (manifest["format"], manifest["precision"], manifest["runtime"]) == ("onnx", "fp32", "ort")
    assert manifest["file"] == artifact.name and [f["file"] for f in manifest["files"]] == [
        "tiny.onnx",
        "tiny.vocab.txt",
    ]
    assert manifest["size_bytes"] == sum(f["size_bytes"] for f in manifest["files"])
    assert manifest["parity"]["passed"] and manifest["parity"]["examples"] == len(SENTENCES)
    accuracy = manifest["accuracy"]
    assert accuracy["dataset"] == "sst2-dev" and accuracy["examples"] == len(SENTENCES)
    assert 0.0 <= accuracy["accuracy"] <= 1.0
    for key in ("sha256", "source", "tools", "created", "validated_on", "cache_key"):
        assert key in manifest


def test_failed_parity_still_writes_the_manifest(tmp_path, monkeypatch):
    import dataclasses

    dev = TextSet(tmp_path / "dev.tsv", "0" * 64, SENTENCES, [1, 0, 1, 0, 1])
    fmt = get_text_format("onnx")
    broken = dataclasses.replace(fmt, export=_export_other_model)
    with pytest.raises(ParityError, match="does not match"):
        export_text_model(
            _trained(tiny_lstm(), tmp_path),
            ARCHS["lstm"],
            broken,
            "k",
            dev,
            tmp_path / "t.onnx",
            log=lambda _: None,
        )
    assert json.loads((tmp_path / "t.onnx.json").read_text())["parity"]["passed"] is False


def _export_other_model(request: TextExportRequest) -> None:
    other = tiny_lstm(seed=1)
    get_text_format("onnx").export(TextExportRequest(other, request.artifact))


def test_lstm_exports_stay_dynamic_in_one_process(tmp_path):
    """torch 2.13 fixes the length of every LSTM export after the first in a process unless the dispatch
    cache is cleared (formats._forget_rnn_dispatch); the export refuses a fixed length."""
    for seed in range(3):
        artifact = tmp_path / f"m{seed}.onnx"
        get_text_format("onnx").export(TextExportRequest(tiny_lstm(seed=seed), artifact))
        graph = onnx.load(str(artifact)).graph
        assert graph.input[0].type.tensor_type.shape.dim[1].dim_param
        assert sum(node.op_type == "LSTM" for node in graph.node) == 2


@pytest.mark.parametrize(
    "builder,vocab_size,length",
    [(tiny_lstm, 50, 16), (tiny_bert, 120, None)],
    ids=["lstm-fixed", "bert-dynamic"],
)
def test_executorch_row(builder, vocab_size, length, tmp_path):
    """The BERT keeps a dynamic length in ExecuTorch; the LSTM cannot (torch 2.13 unrolls aten.lstm over the
    time steps) and takes a fixed one (16 here to keep the test short; 128 in real exports)."""
    model = builder()
    fmt = get_text_format("executorch")
    artifact = tmp_path / "m.pte"
    used = fmt.export(TextExportRequest(model, artifact, length))
    assert used == length
    sequences = [s[:16] for s in _sequences(vocab_size)]
    record, _ = check_text_parity(
        predict_logits(model, sequences), fmt.open_runner(artifact, used), sequences, fmt.tolerance
    )
    assert record["passed"], record


def test_executorch_lstm_falls_back_to_a_fixed_length(tmp_path, monkeypatch):
    from smartcamrt_tools.text import formats

    monkeypatch.setattr(formats, "EXECUTORCH_MAX_LENGTH", 12)
    assert formats.export_text_executorch(TextExportRequest(tiny_lstm(), tmp_path / "m.pte")) == 12


@pytest.mark.parametrize("builder,vocab_size", [(tiny_lstm, 50), (tiny_bert, 120)], ids=["lstm", "bert"])
def test_tflite_row(builder, vocab_size, tmp_path):
    model = builder()
    fmt = get_text_format("tflite")
    artifact = tmp_path / "m.tflite"
    assert fmt.export(TextExportRequest(model, artifact, static_length=16)) == 16
    from ai_edge_litert.interpreter import Interpreter

    names = sorted(d["name"] for d in Interpreter(model_path=str(artifact)).get_input_details())
    assert names == ["serving_default_attention_mask:0", "serving_default_input_ids:0"] or all(
        any(role in n for n in names) for role in ("input_ids", "attention_mask")
    )
    sequences = [s[:16] for s in _sequences(vocab_size)]
    record, _ = check_text_parity(
        predict_logits(model, sequences), fmt.open_runner(artifact, 16), sequences, fmt.tolerance
    )
    assert record["passed"], record
