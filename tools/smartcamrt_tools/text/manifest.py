"""The manifest of a text model (``<artifact>.json``, as :mod:`smartcamrt_tools.export.manifest` names it).

The fields the engine reads: ``task`` (``text-classification``), ``labels``, ``tokenizer`` (kind, vocab file
beside the model, lower_case, max_length, special tokens), ``inputs`` (tensor names, in the order the
model takes them), ``dynamic_length`` and ``input`` (dtype, shape, ``length``: null for a dynamic length,
else the fixed length to pad to), ``output`` and ``output_activation`` (``none``: logits); plus the usual
ones (format, precision, runtime, file, sha256, files, size_bytes, source, tools, parity, validated_on,
created) and ``accuracy`` on SST-2 dev. ``files`` lists the artifact and the vocabulary: the engine needs
both.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..checkpoint import file_sha256
from ..export.manifest import manifest_path
from ..versions import tool_versions
from .formats import INPUT_NAMES, OUTPUT_NAME, TextFormat

TASK = "text-classification"
# Bumped when the fields written here change: train-text then writes the artifact and manifest again
# (from the cached weights) instead of answering from the cache.
MANIFEST_VERSION = 2


def build_text_manifest(
    artifact: Path,
    fmt: TextFormat,
    *,
    task_labels: list[str],
    tokenizer: dict[str, Any],
    vocab_file: Path,
    source: dict[str, Any],
    parity: dict[str, Any],
    accuracy: dict[str, Any],
    training: dict[str, Any],
    cache_key: str,
    arch: str,
    export_seconds: float | None = None,
) -> dict[str, Any]:
    files = [
        {"file": path.name, "sha256": file_sha256(path), "size_bytes": path.stat().st_size}
        for path in (artifact, vocab_file)
    ]
    manifest = {
        "name": artifact.name.split(".")[0],
        "task": TASK,
        "arch": arch,
        "format": fmt.name,
        "precision": fmt.precision,
        "runtime": fmt.runtime,
        "file": artifact.name,
        "sha256": files[0]["sha256"],
        "files": files,
        "size_bytes": sum(entry["size_bytes"] for entry in files),
        "labels": task_labels,
        "tokenizer": tokenizer,
        "inputs": list(INPUT_NAMES),
        "dynamic_length": fmt.static_length is None,
        "output_activation": "none",  # logits; the engine applies the softmax
        "input": {
            "names": list(INPUT_NAMES),
            "dtype": fmt.input_dtype,
            "shape": [1, fmt.static_length or "L"],
            "length": fmt.static_length,
        },
        "output": {"name": OUTPUT_NAME, "dtype": "float32", "shape": [1, len(task_labels)], "kind": "logits"},
        "accuracy": accuracy,
        "source": source,
        "training": training,
        "tools": tool_versions(*fmt.packages),
        "parity": parity,
        "validated_on": host_cpu(),
        "cache_key": cache_key,
        "manifest_version": MANIFEST_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if export_seconds is not None:
        manifest["export_seconds"] = round(export_seconds, 1)
    if fmt.precision == "int8":
        from .formats import INT8_REDUCE_RANGE

        manifest["quantization"] = {
            "method": "onnxruntime.quantization.quantize_dynamic",
            "weights": "int8, per output channel"
            + (", 7-bit range (reduce_range)" if INT8_REDUCE_RANGE else ""),
            "activations": "uint8, ranges computed per run (dynamic)",
            "saturates_without_vnni": not INT8_REDUCE_RANGE,
        }
    return manifest


def host_cpu() -> dict[str, Any]:
    """``{"cpu", "arch", "isa"}`` as the detector manifests record it (the quantization tooling's reader
    when present)."""
    try:
        from ..quantization.isa import read_host_cpu
    except ImportError:  # pragma: no cover - older tooling without the ISA module
        return {"cpu": _cpu_model(), "arch": platform.machine(), "isa": []}
    return read_host_cpu().to_manifest()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_text_manifest(artifact: Path, manifest: dict[str, Any]) -> Path:
    path = manifest_path(artifact)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def read_text_manifest(artifact: Path) -> dict[str, Any] | None:
    path = manifest_path(artifact)
    try:
        return json.loads(path.read_text()) if path.is_file() else None
    except json.JSONDecodeError:
        return None
