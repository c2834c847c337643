"""--record: the accuracy lands in the manifest under the key the engine reads; nothing else changes."""

from __future__ import annotations

import json

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.evaluation.record import record_accuracy


def test_sets_accuracy_and_keeps_the_rest(tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(b"x")
    manifest = tmp_path / "m.onnx.json"
    manifest.write_text(json.dumps({"name": "m", "accuracy": {"mAP50-95": 0.1}, "labels": ["a"]}))
    assert record_accuracy(model, {"mAP50-95": 0.25, "mAP50": 0.4}) == manifest
    document = json.loads(manifest.read_text())
    assert document == {"name": "m", "accuracy": {"mAP50-95": 0.25, "mAP50": 0.4}, "labels": ["a"]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "m.onnx.json"]  # no temp file left


def test_no_manifest_is_a_clear_error(tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(b"x")
    with pytest.raises(ToolError, match="has no manifest"):
        record_accuracy(model, {"mAP50-95": 0.25})
