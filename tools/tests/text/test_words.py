"""The LSTM's word tokenizer: the rules the C++ tokenizer must match (text/words.py)."""

from __future__ import annotations

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.text.words import PAD_ID, UNK_ID, WordVocab, split_words


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "it 's a charming and often affecting journey . ",
            ["it", "'s", "a", "charming", "and", "often", "affecting", "journey", "."],
        ),
        ("Does N'T work!!", ["does", "n't", "work", "!", "!"]),
        ("well-made, 10,000 times", ["well", "-", "made", ",", "10", ",", "000", "times"]),
        ("café naïve", ["caf", "é", "na", "ï", "ve"]),
        ("ÉCOLE Σ", ["é", "cole", "σ"]),  # Python's full lower-casing
        ("tab\tnew\nline\r\fform\vvert", ["tab", "new", "line", "form", "vert"]),
        ("no\u00a0break\u2009here\u3000now\x1cthen", ["no", "break", "here", "now", "then"]),  # str.isspace()
        ("😀ok", ["😀", "ok"]),
        ("", []),
        ("   \t ", []),
        ("a''b", ["a''b"]),
    ],
)
def test_split_words(text, tokens):
    assert split_words(text) == tokens


def test_pattern_is_the_documented_regex():
    import re

    for text in ("Ünïcödé TEXT\u00a0with — dashes’ and 'quotes' 10,000", "İstanbul ΣΑΣ"):
        assert split_words(text) == re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower())


def test_vocab_build_is_deterministic_and_ranked():
    texts = ["b a a", "c b a", "d"]
    vocab = WordVocab.build(texts)
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b", "c", "d"]  # by count, ties alphabetical
    assert WordVocab.build(list(reversed(texts))).tokens == vocab.tokens
    assert WordVocab.build(texts, min_count=2).tokens == ["<pad>", "<unk>", "a", "b"]
    assert WordVocab.build(texts, max_size=3).tokens == ["<pad>", "<unk>", "a"]


def test_encode_unknown_and_truncation():
    vocab = WordVocab.build(["the movie is good"])
    assert vocab.encode("The movie is GREAT", 128) == [
        vocab.ids["the"],
        vocab.ids["movie"],
        vocab.ids["is"],
        UNK_ID,
    ]
    assert vocab.encode("the movie is good", 2) == [vocab.ids["the"], vocab.ids["movie"]]
    assert vocab.encode("", 128) == []
    assert (PAD_ID, UNK_ID) == (0, 1)


def test_vocab_file_round_trip(tmp_path):
    vocab = WordVocab.build(["é , x's 10"])
    path = vocab.write(tmp_path / "vocab.txt")
    assert path.read_text(encoding="utf-8").splitlines()[:2] == ["<pad>", "<unk>"]
    assert WordVocab.read(path).tokens == vocab.tokens


def test_bad_vocab_files(tmp_path):
    (tmp_path / "bad.txt").write_text("hello\n<unk>\n")
    with pytest.raises(ToolError, match="must start with"):
        WordVocab.read(tmp_path / "bad.txt")
    (tmp_path / "latin1.txt").write_bytes(b"<pad>\n<unk>\ncaf\xe9\n")
    with pytest.raises(ToolError, match="not UTF-8"):
        WordVocab.read(tmp_path / "latin1.txt")
    with pytest.raises(ToolError, match="not found"):
        WordVocab.read(tmp_path / "missing.txt")


def test_trained_vocab_covers_sst2(assets):
    from smartcamrt_tools.text.data import load_split

    train = load_split("train")
    vocab = WordVocab.build(train.sentences)
    assert 13000 < len(vocab) < 15000
    assert all(UNK_ID not in vocab.encode(s, 128) for s in train.sentences[:2000])
