"""Writes an evaluation into a model's manifest (``<artifact>.json``) under ``accuracy``.

The C++ engine reads ``accuracy["mAP50-95"]`` (engine/src/core/model_info.cpp) for the optimizer's ladder:
keep that spelling. Only that one key of the manifest is touched; the file is replaced atomically (a temp
file in the same folder, then ``os.replace``), so a reader never sees half a manifest.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ToolError

ACCURACY_KEY = "accuracy"


def manifest_of(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def check_recordable(model: Path) -> Path:
    """The manifest ``--record`` will write, checked before any work is done."""
    path = manifest_of(model)
    if not path.is_file():
        raise ToolError(
            f"--record: {model.name} has no manifest ({path.name}); export it with smartcamrt-tools "
            "export, or leave out --record"
        )
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ToolError(f"--record: {path} is not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise ToolError(f"--record: {path} is not a JSON object")
    if not os.access(path.parent, os.W_OK):
        raise ToolError(f"--record: cannot write into {path.parent}")
    return path


def record_accuracy(model: Path, accuracy: dict[str, Any]) -> Path:
    """Set ``accuracy`` in the manifest beside ``model``; returns the manifest's path."""
    path = check_recordable(model)
    document = json.loads(path.read_text())
    document[ACCURACY_KEY] = accuracy
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
