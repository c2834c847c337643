"""Tiny text models built in code (a BiLSTM and a 2-layer BERT), for export, parity and ref-run tests."""

from __future__ import annotations

import pytest
import torch

from smartcamrt_tools.text.models import BertClassifier, BertConfig, BiLstmClassifier, LstmConfig

TINY_BERT = BertConfig(
    vocab_size=120,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    max_position_embeddings=160,
)


def tiny_lstm(vocab_size: int = 50, seed: int = 0) -> BiLstmClassifier:
    torch.manual_seed(seed)
    return BiLstmClassifier(
        LstmConfig(vocab_size=vocab_size, embedding_dim=12, hidden_size=8, dropout=0.1)
    ).eval()


def tiny_bert(seed: int = 0) -> BertClassifier:
    torch.manual_seed(seed)
    return BertClassifier(TINY_BERT).eval()


@pytest.fixture
def lstm_model() -> BiLstmClassifier:
    return tiny_lstm()


@pytest.fixture
def bert_model() -> BertClassifier:
    return tiny_bert()


def make_tiny_text_model(folder, arch: str = "lstm"):
    """A gated tiny text model with its manifest and vocabulary in ``folder`` (dev = a few sentences)."""
    from pathlib import Path

    from smartcamrt_tools.text.data import TextSet
    from smartcamrt_tools.text.formats import get_text_format
    from smartcamrt_tools.text.pipeline import ARCHS, Trained, export_text_model
    from smartcamrt_tools.text.words import WordVocab

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sentences = ["a charming journey .", "bleak and desperate", "it 's slow -- very , very slow .", "good"]
    vocab = WordVocab.build(sentences)
    vocab_file = vocab.write(folder / "tiny.vocab.txt")
    tokenizer = {"kind": "words", "vocab": vocab_file.name, "lower_case": True, "max_length": 128}
    model = tiny_lstm(vocab_size=len(vocab))
    trained = Trained(model, vocab_file, tokenizer, lambda t: vocab.encode(t, 128), {}, {})
    dev = TextSet(folder / "dev.tsv", "0" * 64, sentences, [1, 0, 0, 1])
    return export_text_model(
        trained, ARCHS[arch], get_text_format("onnx"), "tiny", dev, folder / "tiny.onnx", log=lambda _: None
    )


@pytest.fixture(scope="session")
def tiny_text_model(tmp_path_factory):
    return make_tiny_text_model(tmp_path_factory.mktemp("tiny-text"))
