#!/usr/bin/env python3
"""Generates engine/src/tasks/text/unicode_tables.cpp: the per-code-point facts the C++ tokenizers need.

Run once (and again only when a reference changes), from the repository root:

    .venv/bin/python scripts/text/gen_unicode_tables.py

Two families of tables, each taken from the reference its tokenizer must equal:

* BERT WordPiece (`wordpiece`): what HuggingFace `tokenizers`' BertNormalizer (clean_text,
  handle_chinese_chars, strip_accents = NFD + drop Mn, lowercase) makes of every code point, and which
  code points its BertPreTokenizer isolates as punctuation. They are read from the pinned `tokenizers`
  library itself, code point by code point, not from Python's unicodedata: the Rust crates inside
  `tokenizers` use older Unicode data than Python 3.11 (Unicode 14.0), and the two differ on about 1,450
  code points assigned since (e.g. U+0898..U+089F, Mn in Unicode 14, unknown to the crates, so kept by
  `tokenizers`). Their normalizer works character by character (the one exception, canonical reordering
  of combining marks across characters, only moves marks that strip_accents drops anyway); the script
  checks that on random strings before it writes anything. The CJK blocks (spaced apart) and the Hangul
  syllables (decomposed by Unicode's algorithm) are computed in C++ and checked here, not tabulated.
* Python `str` semantics (`words` and `model-maker` tokenizers, whose references are Python code):
  `str.lower()` per code point plus the two properties of its one context rule (Final_Sigma),
  `str.isspace()` (the regex `\\s`) and the regex `\\w`, from Python's own unicodedata (the version is
  written into the table).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import unicodedata
from pathlib import Path

import tokenizers
from tokenizers import normalizers, pre_tokenizers

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "engine" / "src" / "tasks" / "text" / "unicode_tables.cpp"
MAX_CODE = 0x110000
SURROGATES = range(0xD800, 0xE000)

# The "Chinese character" blocks of BERT (tokenizers/src/normalizers/bert.rs): spaced apart by the
# normalizer; the C++ code has the same list (unicode.cpp), so the table leaves them out.
CJK = [
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
]


def is_cjk(code: int) -> bool:
    return any(first <= code <= last for first, last in CJK)


HANGUL_FIRST, HANGUL_COUNT = 0xAC00, 11172


def hangul_nfd(code: int) -> str:
    """Unicode's algorithmic decomposition of a Hangul syllable (the C++ code computes it too)."""
    index = code - HANGUL_FIRST
    lead, vowel, tail = 0x1100 + index // 588, 0x1161 + (index % 588) // 28, 0x11A7 + index % 28
    return chr(lead) + chr(vowel) + (chr(tail) if tail != 0x11A7 else "")


def code_points():
    for code in range(MAX_CODE):
        if code not in SURROGATES:
            yield code


def ranges(codes: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for code in codes:
        if out and out[-1][1] == code - 1:
            out[-1] = (out[-1][0], code)
        else:
            out.append((code, code))
    return out


def cpp_string(text: str) -> str:
    return '"' + "".join(f"\\x{byte:02x}" for byte in text.encode("utf-8")) + '"'


def bert_tables():
    norm = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True
    )
    pre = pre_tokenizers.BertPreTokenizer()
    removed, spaces, punct = [], [], []
    mapping: dict[int, str] = {}
    for code in code_points():
        char = chr(code)
        out = norm.normalize_str(char)
        if is_cjk(code):
            if not (len(out) >= 3 and out[0] == " " and out[-1] == " "):
                sys.exit(f"U+{code:04X}: a CJK character normalised to {out!r}, not spaced")
            out = out[1:-1]
        if out == "":
            removed.append(code)
        elif out == " " and char != " ":
            spaces.append(code)
        elif HANGUL_FIRST <= code < HANGUL_FIRST + HANGUL_COUNT:
            if out != hangul_nfd(code):
                sys.exit(f"U+{code:04X}: a Hangul syllable normalised to {out!r}, not its decomposition")
        elif out != char:
            mapping[code] = out
        pieces = [piece for piece, _ in pre.pre_tokenize_str("a" + char + "a")]
        if pieces == ["a", char, "a"]:
            punct.append(code)
    return norm, removed, spaces, mapping, punct


def bert_per_char(code: int, removed: set[int], spaces: set[int], mapping: dict[int, str]) -> str:
    char = chr(code)
    if code in removed:
        return ""
    if code in spaces:
        return " "
    if HANGUL_FIRST <= code < HANGUL_FIRST + HANGUL_COUNT:
        return hangul_nfd(code)
    inner = mapping.get(code, char)
    return f" {inner} " if is_cjk(code) else inner


def check_char_by_char(norm, removed, spaces, mapping) -> None:
    """The normaliser on whole strings equals the concatenation of its per-code-point results."""
    removed_set, spaces_set = set(removed), set(spaces)
    rng = random.Random(20260505)
    pools = [
        list(range(0x20, 0x7F)),
        list(range(0xA0, 0x250)),
        list(range(0x300, 0x370)),
        list(range(0x370, 0x530)),
        list(range(0x1E00, 0x1F00)),
        list(range(0x2000, 0x2070)),
        list(range(0x3000, 0x3100)),
        list(range(0xAC00, 0xAC40)),
        list(range(0x4E00, 0x4E40)),
        list(range(0xF900, 0xF940)),
        [0, 9, 10, 13, 0x7F, 0x85, 0xAD, 0xFFFD, 0x200B, 0x1F600],
    ]
    mismatches = 0
    for _ in range(20000):
        codes = [rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 12))]
        text = "".join(map(chr, codes))
        expected = norm.normalize_str(text)
        mine = "".join(bert_per_char(code, removed_set, spaces_set, mapping) for code in codes)
        if expected != mine:
            mismatches += 1
            if mismatches <= 5:
                print(f"whole-string mismatch: {text!r}: {expected!r} != {mine!r}", file=sys.stderr)
    if mismatches:
        sys.exit(f"{mismatches} random strings normalise differently as a whole than char by char")


def python_tables():
    lower = {}
    for code in code_points():
        char = chr(code)
        low = char.lower()
        if low != char:
            lower[code] = low
    # Final_Sigma (str.lower() makes U+03A3 a final sigma after a cased letter, case-ignorable ones
    # skipped, unless a cased letter follows): Python exposes neither property, so probe its lower():
    # "A" + c + "Σ" ends in ς when c is case-ignorable or cased, c + "Σ" when c is cased and not ignorable.
    # (Whether an ignorable character is also cased never matters: the rule skips it.)
    ignorable, cased = [], []
    for code in code_points():
        char = chr(code)
        after_cased = ("A" + char + "\u03a3").lower().endswith("\u03c2")
        alone = (char + "\u03a3").lower().endswith("\u03c2")
        if after_cased and not alone:
            ignorable.append(code)
        elif alone:
            cased.append(code)
    space = [code for code in code_points() if chr(code).isspace()]
    word_re = re.compile(r"\w")
    word = [code for code in code_points() if word_re.match(chr(code))]
    return lower, space, word, ignorable, cased


def emit_ranges(name: str, items: list[tuple[int, int]]) -> str:
    lines = [f"const CodeRange {name}[] = {{"]
    for first, last in items:
        lines.append(f"    {{0x{first:X}, 0x{last:X}}},")
    lines.append("};")
    lines.append(f"const size_t {name}_size = sizeof({name}) / sizeof({name}[0]);")
    return "\n".join(lines)


def emit_mapping(name: str, items: dict[int, str]) -> str:
    lines = [f"const CodeMapping {name}[] = {{"]
    for code in sorted(items):
        lines.append(f"    {{0x{code:X}, {cpp_string(items[code])}}},")
    lines.append("};")
    lines.append(f"const size_t {name}_size = sizeof({name}) / sizeof({name}[0]);")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    norm, removed, spaces, mapping, punct = bert_tables()
    check_char_by_char(norm, removed, spaces, mapping)
    lower, space, word, ignorable, cased = python_tables()

    header = f"""// GENERATED by scripts/text/gen_unicode_tables.py; do not edit. Regenerate with
//   .venv/bin/python scripts/text/gen_unicode_tables.py
// BERT tables: from tokenizers {tokenizers.__version__} (BertNormalizer(lowercase=True) and
// BertPreTokenizer, code point by code point). Python tables: Python {sys.version.split()[0]},
// unicodedata {unicodedata.unidata_version} (str.lower, str.isspace, the regex \\w).
// clang-format off
#include "unicode_tables.hpp"

namespace smartcamrt::text_tables {{

const char* const kBertReference = "tokenizers {tokenizers.__version__}";
const char* const kPythonReference =
    "Python {sys.version.split()[0]}, unicodedata {unicodedata.unidata_version}";
"""
    parts = [
        header,
        "// BertNormalizer drops these: NUL, U+FFFD, controls, format and private-use characters\n"
        "// (clean_text), and the nonspacing marks (Mn) that strip_accents removes.",
        emit_ranges("kBertRemoved", ranges(removed)),
        "",
        "// BertNormalizer turns these into a space (whitespace).",
        emit_ranges("kBertSpace", ranges(spaces)),
        "",
        "// BertNormalizer's strip_accents (NFD, drop Mn) then lowercase, where they change the code point.",
        emit_mapping("kBertMapped", mapping),
        "",
        "// BertPreTokenizer's punctuation (ASCII punctuation and Unicode P*), isolated as tokens.",
        emit_ranges("kBertPunctuation", ranges(punct)),
        "",
        "// Python's str.lower(), where it changes the code point.",
        emit_mapping("kPythonLower", lower),
        "",
        "// Python's Final_Sigma context: case-ignorable, and cased (not case-ignorable) code points.",
        emit_ranges("kPythonCaseIgnorable", ranges(ignorable)),
        emit_ranges("kPythonCased", ranges(cased)),
        "",
        "// Python's str.isspace() (the regex \\s).",
        emit_ranges("kPythonSpace", ranges(space)),
        "",
        "// Python's regex \\w (str.isalnum() or '_').",
        emit_ranges("kPythonWord", ranges(word)),
        "",
        "}  // namespace smartcamrt::text_tables",
        "",
    ]
    args.out.write_text("\n".join(parts), encoding="utf-8")
    print(
        f"{args.out}: bert removed {len(removed)} / space {len(spaces)} / mapped {len(mapping)} / "
        f"punct {len(punct)}; python lower {len(lower)} / space {len(space)} / word {len(word)} / "
        f"case-ignorable {len(ignorable)} / cased {len(cased)}"
    )


if __name__ == "__main__":
    main()
