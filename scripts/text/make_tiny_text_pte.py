#!/usr/bin/env python3
"""Writes the tiny ExecuTorch text classifiers the C++ text-task tests run (a .pte cannot be written
from C++ the way the tests write ONNX and TFLite models).

The same network as engine/tests/support/tiny_text_models.cpp builds in ONNX: per-token logits looked up
for each id of the tiny WordPiece vocabulary, weighted by the attention mask, summed, plus a bias; so the
C++ test knows every answer. Two programs, both taking int64 input_ids and attention_mask [1, L]:

* tiny_dynamic.pte: L is dynamic up to 16 (torch.export Dim), the way the project's text models are
  exported;
* tiny_static.pte: L fixed at 8 (the engine pads to it).

Run with the pinned executorch (tools/requirements.txt); scripts/test.sh runs it into
build/test-fixtures/text (a few KB each, a few seconds) and names that folder to the C++ tests in
$SMARTCAMRT_TEST_TEXT_PTE_DIR; it runs again when this script is newer than its output.

    .venv/bin/python scripts/text/make_tiny_text_pte.py [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.metadata
from pathlib import Path

import torch
from executorch.exir import to_edge
from torch.export import Dim, export

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "test-fixtures" / "text"

# engine/tests/support/tiny_text_models.cpp: tiny_wordpiece_vocab(), sentiment(), kTinyBias
VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "good",
    "bad",
    "movie",
    "great",
    "awful",
    "the",
    "##s",
    "!",
    ".",
    "un",
]
SENTIMENT = {"good": 2.0, "great": 3.0, "bad": -2.0, "awful": -3.0, "##s": 0.5}
BIAS = [0.25, -0.25]


class TinyText(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        table = []
        for token in VOCAB:
            s = SENTIMENT.get(token, 0.0)
            table.append([-s if s < 0 else 0.0, s if s > 0 else 0.0])
        self.register_buffer("table", torch.tensor(table, dtype=torch.float32))
        self.register_buffer("bias", torch.tensor(BIAS, dtype=torch.float32))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        per_token = self.table[input_ids]  # [1, L, 2]
        weights = attention_mask.to(torch.float32).unsqueeze(-1)
        return (per_token * weights).sum(dim=1) + self.bias  # [1, 2]


def save(path: Path, length: int, dynamic: bool) -> None:
    ids = torch.full((1, length), 2, dtype=torch.int64)
    mask = torch.ones((1, length), dtype=torch.int64)
    shapes = None
    if dynamic:
        seq = Dim("seq", min=1, max=length)
        shapes = {"input_ids": {1: seq}, "attention_mask": {1: seq}}
    program = export(TinyText().eval(), (ids, mask), dynamic_shapes=shapes)
    path.write_bytes(to_edge(program).to_executorch().buffer)
    print(f"{path}: {path.stat().st_size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    save(args.out / "tiny_dynamic.pte", 16, dynamic=True)
    save(args.out / "tiny_static.pte", 8, dynamic=False)
    (args.out / "README.md").write_text(
        "Tiny ExecuTorch text classifiers for the text-task tests, written by "
        f"scripts/text/make_tiny_text_pte.py with executorch {importlib.metadata.version('executorch')} "
        f"and torch {torch.__version__}; see there.\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
