"""The trained models' manifests, where this machine has them (~/.cache/smartcamrt/models): complete,
gated, their files present with the recorded hashes. Accuracies are not asserted (docs/text-models.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smartcamrt_tools.checkpoint import file_sha256

MODELS = Path.home() / ".cache" / "smartcamrt" / "models"
MANIFESTS = (
    sorted(p for p in MODELS.glob("sst2-*.json") if "-logits" not in p.name) if MODELS.is_dir() else []
)


@pytest.mark.skipif(not MANIFESTS, reason="no trained text model on this machine (smartcamrt train-text)")
@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_trained_manifest(path):
    manifest = json.loads(path.read_text())
    assert manifest["task"] == "text-classification" and manifest["labels"] == ["negative", "positive"]
    assert manifest["inputs"] == ["input_ids", "attention_mask"]
    assert (
        manifest["tokenizer"]["kind"] in ("words", "wordpiece") and manifest["tokenizer"]["max_length"] == 128
    )
    assert manifest["parity"]["passed"] and manifest["parity"]["examples"] == 872
    accuracy = manifest["accuracy"]
    assert (
        accuracy["dataset"] == "sst2-dev" and accuracy["examples"] == 872 and 0.5 < accuracy["accuracy"] <= 1
    )
    assert manifest["file"] == path.name[: -len(".json")]
    for entry in manifest["files"]:
        file = MODELS / entry["file"]
        assert file.is_file() and file.stat().st_size == entry["size_bytes"]
    assert file_sha256(MODELS / manifest["tokenizer"]["vocab"]) == manifest["files"][1]["sha256"]
