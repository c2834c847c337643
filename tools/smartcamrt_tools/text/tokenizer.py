"""A text model's tokenizer, built from its manifest and the vocabulary file beside it.

``words``: :class:`.words.WordVocab` (this project's definition). ``wordpiece``: Hugging Face
``tokenizers``' BERT WordPiece over the model's ``vocab.txt`` with the manifest's settings -- on every SST-2
train and dev text it gives the same ids as MiniLM's own ``tokenizer.json`` (checked by a test).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ToolError
from .words import WordVocab

Encoder = Callable[[str], list[int]]


def load_tokenizer(manifest: dict[str, Any], model_dir: Path) -> Encoder:
    """``text -> ids`` for the model whose manifest this is (vocabulary looked up beside the model)."""
    encode = load_tokenizer_with_truncation(manifest, model_dir)
    return lambda text: encode(text)[0]


def load_tokenizer_with_truncation(
    manifest: dict[str, Any], model_dir: Path
) -> Callable[[str], tuple[list[int], bool]]:
    """``text -> (ids, truncated)``: as :func:`load_tokenizer`, and whether the text was cut to fit."""
    spec = manifest.get("tokenizer")
    if not isinstance(spec, dict) or "kind" not in spec or "vocab" not in spec:
        raise ToolError(f"manifest of {manifest.get('file', 'the model')} has no tokenizer (kind, vocab)")
    vocab = Path(model_dir) / spec["vocab"]
    if not vocab.is_file():
        raise ToolError(f"{vocab}: the model's vocabulary is missing; it must sit beside the model")
    max_length = int(spec.get("max_length", 128))
    if spec["kind"] == "words":
        from .words import split_words

        words = WordVocab.read(vocab)
        return lambda text: (words.encode(text, max_length), len(split_words(text)) > max_length)
    if spec["kind"] == "wordpiece":
        from tokenizers import BertWordPieceTokenizer

        tokenizer = BertWordPieceTokenizer(
            str(vocab),
            lowercase=bool(spec.get("lower_case", True)),
            strip_accents=spec.get("strip_accents"),
            unk_token=spec.get("unk_token", "[UNK]"),
            sep_token=spec.get("sep_token", "[SEP]"),
            cls_token=spec.get("cls_token", "[CLS]"),
            pad_token=spec.get("pad_token", "[PAD]"),
        )
        tokenizer.enable_truncation(max_length)

        def encode(text: str) -> tuple[list[int], bool]:
            encoding = tokenizer.encode(text)
            return encoding.ids, bool(encoding.overflowing)

        return encode
    raise ToolError(f"unknown tokenizer kind '{spec['kind']}' (known: words, wordpiece)")
