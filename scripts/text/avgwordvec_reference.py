#!/usr/bin/env python3
"""Writes engine/tests/tasks/text/golden/avgwordvec_sst2_dev.json: what the third-party TFLite text
classifier of the assets (TensorFlow Lite Model Maker's AverageWordVec sentiment model) answers on every
SST-2 dev sentence through the Python LiteRT interpreter with Model Maker's own preprocessing, so the C++
test can check the engine's answers (labels of all 872 sentences, probabilities of the first 32).

Model Maker's preprocessing (text_spec.AverageWordVecModelSpec): text.lower(), re.split(r"[^\\w']+")
without empty tokens, <START> first, unknown words <UNKNOWN>, cut or padded with <PAD> to 256 ids, fed
as float32. Its vocabulary file is "word id" per line (split at the last space: one word is U+0085).

    .venv/bin/python scripts/text/avgwordvec_reference.py
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "engine" / "tests" / "tasks" / "text" / "golden" / "avgwordvec_sst2_dev.json"
NAME = "text_classification_imdb_avgwordvec"
SEQ_LEN = 256
SPLIT = re.compile(r"[^\w']+")


def main() -> None:
    assets = Path(os.environ.get("SMARTCAMRT_ASSETS", ROOT.parent / "shared" / "assets"))
    base = assets / "models" / NAME
    vocab = {}
    for line in base.with_suffix(".vocab.txt").read_text(encoding="utf-8").split("\n"):
        if line:
            word, index = line.rsplit(" ", 1)
            vocab[word] = int(index)

    def ids(text: str) -> np.ndarray:
        tokens = [t for t in SPLIT.split(text.lower().strip()) if t]
        values = [vocab["<START>"]] + [vocab.get(t, vocab["<UNKNOWN>"]) for t in tokens]
        values = values[:SEQ_LEN] + [vocab["<PAD>"]] * max(0, SEQ_LEN - len(values))
        return np.asarray([values], dtype=np.float32)

    interpreter = Interpreter(model_path=str(base) + ".tflite")
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    lines = (assets / "text" / "sst2" / "dev.tsv").read_text(encoding="utf-8").split("\n")
    rows = [line.split("\t") for line in lines[1:] if line]
    labels, probs, correct = [], [], 0
    for sentence, truth in rows:
        interpreter.set_tensor(input_index, ids(sentence))
        interpreter.invoke()
        p = interpreter.get_tensor(output_index)[0]
        labels.append(int(np.argmax(p)))
        probs.append([round(float(x), 6) for x in p])
        correct += labels[-1] == int(truth)
    doc = {
        "reference": f"ai-edge-litert {importlib.metadata.version('ai-edge-litert')} Interpreter, "
        "Model Maker preprocessing (see scripts/text/avgwordvec_reference.py)",
        "texts": len(rows),
        "accuracy": round(correct / len(rows), 6),
        "labels": "".join(map(str, labels)),
        "probs_first": probs[:32],
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(rows)} texts, accuracy {doc['accuracy']}")


if __name__ == "__main__":
    main()
