"""Texts of an exact token length for a text model's own tokenizer (the latency-against-length sweep).

Real words in real order: each text is built from SST-2 dev sentences run together, starting at a
different word for each text, adding words while the model's tokenizer (the Python reference the C++
tokenizer equals, `smartcamrt_tools.text.tokenizer`) stays at or under the target; a word that would
overshoot (one that splits into several word pieces) is passed over. The length is the one the model
is fed: for WordPiece it includes [CLS] and [SEP]. Every text is checked against the tokenizer, and the
benchmark checks the engine's frames.csv (`input` = seq<L>) again for the dynamic-length models.
"""

from __future__ import annotations

import json
from pathlib import Path

from smartcamrt_tools.text.data import load_split
from smartcamrt_tools.text.tokenizer import load_tokenizer_with_truncation


def exact_length_texts(model: Path, length: int, count: int) -> list[str]:
    manifest = json.loads(model.with_name(model.name + ".json").read_text())
    encode_cut = load_tokenizer_with_truncation(manifest, model.parent)

    def size_of(text: str) -> int:  # a text cut to the model's maximum counts as longer than it
        ids, truncated = encode_cut(text)
        return len(ids) + 1 if truncated else len(ids)

    words = " ".join(load_split("dev").sentences).split()
    texts: list[str] = []
    start = 0
    while len(texts) < count:
        chosen: list[str] = []
        position = start
        while True:
            if position >= len(words):
                raise RuntimeError(f"SST-2 dev has too few words for {count} texts of {length} tokens")
            trial = chosen + [words[position]]
            position += 1
            size = size_of(" ".join(trial))
            if size <= length:
                chosen = trial
            if size == length:
                break
        text = " ".join(chosen)
        assert size_of(text) == length, (text, length)
        texts.append(text)
        start += 97  # the next text starts elsewhere in the dev set
    return texts


def write_texts(path: Path, texts: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(text + "\n" for text in texts))
    return path
