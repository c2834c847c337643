"""The WordPiece reference the C++ tokenizer is compared with: the tokenizer the manifest describes
(``tokenizers``' BERT WordPiece over vocab.txt) gives MiniLM's own tokenizer.json ids on all of SST-2."""

from __future__ import annotations

import shutil

from smartcamrt_tools.text.data import load_split
from smartcamrt_tools.text.tokenizer import load_tokenizer
from smartcamrt_tools.text.wordpiece import WordPieceTokenizer, minilm_dir

MANIFEST = {
    "file": "m.onnx",
    "tokenizer": {
        "kind": "wordpiece",
        "vocab": "m.vocab.txt",
        "lower_case": True,
        "strip_accents": True,
        "max_length": 128,
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "unk_token": "[UNK]",
        "pad_token": "[PAD]",
    },
}


def test_manifest_tokenizer_equals_tokenizer_json(tmp_path, assets):
    shutil.copyfile(minilm_dir() / "vocab.txt", tmp_path / "m.vocab.txt")
    ours = load_tokenizer(MANIFEST, tmp_path)
    reference = WordPieceTokenizer(minilm_dir() / "tokenizer.json", 128)
    for name in ("dev", "train"):
        sentences = load_split(name).sentences
        expected = reference.encode_batch(sentences)
        mismatches = [s for s, ids in zip(sentences, expected, strict=True) if ours(s) != ids]
        assert not mismatches, mismatches[:3]


def test_wordpiece_details(tmp_path):
    shutil.copyfile(minilm_dir() / "vocab.txt", tmp_path / "m.vocab.txt")
    encode = load_tokenizer(MANIFEST, tmp_path)
    reference = WordPieceTokenizer(minilm_dir() / "tokenizer.json", 128)
    for text in ("Café NAÏVE 東京!", "", "x" * 150, "word " * 300, "unaffable"):
        assert encode(text) == reference.encode(text)
    assert encode("") == [101, 102]
    assert len(encode("word " * 300)) == 128 and encode("word " * 300)[-1] == 102
