r"""The LSTM's word tokenizer: the one definition the C++ engine's word tokenizer must match id for id.

Rules, in order (this module is the reference; ``engine/src/tasks/text`` implements the same):

1. **Lower-case** the text with Python's ``str.lower()`` (full Unicode lower-casing, e.g. ``É`` -> ``é``,
   ``Σ`` -> ``σ``; no accent stripping, no normalisation).
2. **Split** it with the regular expression :data:`TOKEN_PATTERN`, ``[a-z0-9']+|[^\sa-z0-9']``
   (``re.findall``, Python's Unicode ``\s``), scanning one code point at a time:

   - a maximal run of ``a``-``z``, ``0``-``9`` and the apostrophe ``'`` (U+0027) is one token;
   - whitespace as Python's ``str.isspace()`` sees it (ASCII blanks, U+00A0, U+2009, U+3000, U+1C-U+1F,
     U+85, ...) separates tokens and is dropped;
   - every other code point is a token by itself (``,`` ``.`` ``-`` ``é`` ``😀`` ... each alone): non-ASCII
     letters are tokens of their own, ``café`` -> ``caf``, ``é``.
3. **Look up** each token in the vocabulary file: one token per line, UTF-8, ``\n``-separated, the line
   number (0-based) is the id. Line 0 is ``<pad>`` (:data:`PAD_ID` 0), line 1 ``<unk>`` (:data:`UNK_ID` 1);
   a token not in the file becomes 1.
4. **Truncate** to the first ``max_length`` ids (no special tokens are added; the manifest's
   ``tokenizer.max_length``, 128 for the trained models).

A text with no tokens (empty, or only whitespace) has no ids; the model cannot take it, and callers
report it (see :func:`encode`). The model input is ``input_ids`` int64 ``[1, L]`` and, where the model
takes it, ``attention_mask`` int64 ``[1, L]`` of ones (0 only for padding up to a static length).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import ToolError

PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"
PAD_ID = 0
UNK_ID = 1
SPECIAL_TOKENS = (PAD_TOKEN, UNK_TOKEN)

# Python's str patterns are Unicode-aware: \s is every character for which str.isspace() is true.
TOKEN_PATTERN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


def split_words(text: str) -> list[str]:
    """The tokens of ``text`` (rules 1 and 2 of the module docstring)."""
    return TOKEN_PATTERN.findall(text.lower())


class WordVocab:
    """Token <-> id, read from / written to the one-token-per-line vocabulary file."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if tuple(tokens[:2]) != SPECIAL_TOKENS:
            raise ToolError(f"a word vocabulary must start with {PAD_TOKEN}, {UNK_TOKEN}; got {tokens[:2]}")
        for token in tokens:
            if not token or any(ch in token for ch in "\n\r"):
                raise ToolError(f"vocabulary token {token!r} cannot be written one per line")
        self.tokens = list(tokens)
        self.ids = {token: index for index, token in enumerate(self.tokens)}
        if len(self.ids) != len(self.tokens):
            raise ToolError("the word vocabulary has duplicate tokens")

    def __len__(self) -> int:
        return len(self.tokens)

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1, max_size: int | None = None) -> WordVocab:
        """Tokens seen at least ``min_count`` times, most frequent first (ties: alphabetical), so a vocabulary
        built from the same texts is the same file every time; at most ``max_size`` entries in all."""
        counts = Counter(token for text in texts for token in split_words(text))
        ranked = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
        ranked = [t for t in ranked if t not in SPECIAL_TOKENS]
        if max_size is not None:
            ranked = ranked[: max(0, max_size - len(SPECIAL_TOKENS))]
        return cls([*SPECIAL_TOKENS, *ranked])

    @classmethod
    def read(cls, path: Path) -> WordVocab:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ToolError(f"word vocabulary not found: {path}") from None
        except UnicodeDecodeError as exc:
            raise ToolError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
        return cls(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"))

    def write(self, path: Path) -> Path:
        Path(path).write_text("".join(token + "\n" for token in self.tokens), encoding="utf-8")
        return Path(path)

    def encode(self, text: str, max_length: int) -> list[int]:
        """The ids of ``text`` (rules 1-4); empty when the text has no tokens."""
        return [self.ids.get(token, UNK_ID) for token in split_words(text)[:max_length]]
