"""train-text end to end on a tiny BiLSTM recipe: trains, exports, gates, writes the manifest and the
vocabulary, prints the artifact last; the second call is answered from the cache."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import time

import pytest

from smartcamrt_tools.cli import main
from smartcamrt_tools.text import pipeline
from smartcamrt_tools.text.train import FitConfig
from smartcamrt_tools.text.words import WordVocab

TINY = {"embedding_dim": 16, "hidden_size": 8, "dropout": 0.1}


@pytest.fixture
def tiny_recipes(monkeypatch):
    fit = FitConfig(epochs=1, batch_size=64, learning_rate=5e-3, seed=0)
    lstm = dataclasses.replace(pipeline.ARCHS["lstm"], fit=fit, model=TINY, train_subset=600)
    monkeypatch.setitem(pipeline.ARCHS, "lstm", lstm)
    return lstm


def _run(args):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(args)
    return code, stdout.getvalue().splitlines()


def test_train_text_lstm_then_cached(tiny_recipes, tmp_path, monkeypatch):
    out = tmp_path / "models"
    code, lines = _run(["train-text", "--arch", "lstm", "--out", str(out)])
    assert code == 0
    artifact = out / "sst2-lstm.onnx"
    assert lines[-1] == str(artifact)
    assert any(line.startswith("parity vs pytorch on 872 sst2-dev texts: passed") for line in lines)
    manifest = json.loads((out / "sst2-lstm.onnx.json").read_text())
    assert manifest["task"] == "text-classification" and manifest["arch"] == "lstm"
    assert (
        manifest["tokenizer"]["kind"] == "words" and manifest["tokenizer"]["vocab"] == "sst2-lstm.vocab.txt"
    )
    assert manifest["accuracy"]["examples"] == 872 and manifest["accuracy"]["dataset"] == "sst2-dev"
    assert manifest["training"]["examples"] == 600 and "drawn at random" in manifest["training"]["subset"]
    vocab = WordVocab.read(out / "sst2-lstm.vocab.txt")
    assert vocab.tokens[:2] == ["<pad>", "<unk>"] and len(vocab) > 10000  # built from all of train
    assert (out / "sst2-lstm.safetensors").is_file()

    # Second call: nothing is trained or exported again.
    monkeypatch.setattr(pipeline, "_trained_model", _must_not_run)
    started = time.perf_counter()
    code, lines = _run(["train-text", "--arch", "lstm", "--out", str(out)])
    assert code == 0 and lines[-1] == str(artifact) and "up to date" in lines[0]
    assert time.perf_counter() - started < 10


def test_changed_recipe_retrains(tiny_recipes, tmp_path, monkeypatch):
    out = tmp_path / "models"
    pipeline.train_text("lstm", out, log=lambda _: None)
    first = json.loads((out / "sst2-lstm.onnx.json").read_text())["cache_key"]
    monkeypatch.setitem(pipeline.ARCHS, "lstm", dataclasses.replace(tiny_recipes, train_subset=500))
    lines: list[str] = []
    pipeline.train_text("lstm", out, log=lines.append)
    assert any(line.startswith("lstm epoch 1") for line in lines)
    assert json.loads((out / "sst2-lstm.onnx.json").read_text())["cache_key"] != first


def test_other_format_reuses_the_weights(tiny_recipes, tmp_path, monkeypatch):
    out = tmp_path / "models"
    pipeline.train_text("lstm", out, log=lambda _: None)
    monkeypatch.setattr(pipeline, "fit", _must_not_run)
    lines: list[str] = []
    artifact = pipeline.train_text("lstm", out, "onnx-int8", log=lines.append)
    assert artifact.name == "sst2-lstm.int8.onnx"
    assert any("training skipped" in line for line in lines)
    manifest = json.loads((out / "sst2-lstm.int8.onnx.json").read_text())
    assert manifest["precision"] == "int8" and manifest["quantization"]["saturates_without_vnni"] is False


def test_changed_artifact_is_rebuilt(tiny_recipes, tmp_path):
    out = tmp_path / "models"
    artifact = pipeline.train_text("lstm", out, log=lambda _: None)
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    lines: list[str] = []
    pipeline.train_text("lstm", out, log=lines.append)
    assert any(line.startswith("exporting onnx") for line in lines)


def test_unknown_arch_is_one_line(capsys):
    with pytest.raises(SystemExit):
        main(["train-text", "--arch", "gpt"])
    assert "invalid choice" in capsys.readouterr().err


def _must_not_run(*_args, **_kwargs):
    raise AssertionError("the cache should have answered")


def test_augment_for_distillation():
    from smartcamrt_tools.text.words import UNK_ID

    spec = dataclasses.replace(
        pipeline.ARCHS["lstm-distilled"], augment_copies=3, augment_mask_prob=0.5, augment_ngram_prob=0.5
    )
    vocab = WordVocab.build(["a charming and often affecting journey ."])
    encode = lambda word: vocab.encode(word, 128)  # noqa: E731
    sentences = ["a charming and often affecting journey .", "bleak", ""]
    teacher, student = pipeline.augment(sentences, spec, encode)
    assert len(teacher) == len(student) == 6  # 3 copies of each non-empty sentence
    assert (teacher, student) == pipeline.augment(sentences, spec, encode)  # seeded
    for text, ids in zip(teacher, student, strict=True):
        words = text.split()
        assert len(words) == len(ids) and 1 <= len(words) <= 7
        for word, token in zip(words, ids, strict=True):
            assert (word == "[MASK]") <= (token == UNK_ID)
    assert any("[MASK]" in text for text in teacher)
