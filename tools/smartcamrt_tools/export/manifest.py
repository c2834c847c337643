"""The manifest written beside every prepared model (``<artifact>.json``, see DESIGN.md).

``file``/``sha256`` name and hash the artifact itself (the file the engine is given); ``files`` lists
every file the model is made of (the artifact first, then sidecars such as an OpenVINO IR's ``.bin``),
each with its hash and size, and ``size_bytes`` is their total. ``validated_on`` names the CPU that ran
the parity check: ``{"cpu": model name, "arch": "x86_64", "isa": [sorted /proc/cpuinfo flags of
quantization.isa.ISA_FLAGS]}``; the engine warns when an 8-bit model runs where those flags differ.
Quantized rows add ``quantization``: the preset, the ``target_isa`` it was chosen for and the ``reason``,
whether the written model's integer convolutions ``saturates_without_vnni`` (read from the file), and
the config that was used.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import onnx

from ..checkpoint import Checkpoint, file_sha256
from ..model_files import model_files
from ..quantization import QuantConfig
from ..quantization.float_blocks import keep_float_record
from ..quantization.isa import HostCpu, PresetChoice
from ..quantization.saturation import saturating_nodes
from ..validate import ParityResult
from ..versions import tool_versions
from ..vision.letterbox import PAD_VALUE
from .formats import ExportFormat


def manifest_path(artifact: Path) -> Path:
    return artifact.with_name(artifact.name + ".json")


def build_manifest(
    artifact: Path,
    fmt: ExportFormat,
    checkpoint: Checkpoint,
    input_hw: tuple[int, int],
    output_shape: list[int],
    parity: ParityResult,
    validated_on: HostCpu,
    quantization: dict[str, Any] | None = None,
) -> dict[str, Any]:
    height, width = input_hw
    files = [
        {"file": path.name, "sha256": file_sha256(path), "size_bytes": path.stat().st_size}
        for path in model_files(artifact)
    ]
    manifest = {
        "name": artifact.stem,
        "format": fmt.name,
        "precision": fmt.precision,
        "runtime": fmt.runtime,
        "file": artifact.name,
        "sha256": files[0]["sha256"],
        "files": files,
        "size_bytes": sum(entry["size_bytes"] for entry in files),
        "source": {
            "path": str(checkpoint.path),
            "sha256": checkpoint.sha256,
            "official": checkpoint.official,
        },
        "input": {
            "name": fmt.input_name,
            "shape": [1, 3, height, width],
            "dtype": "float32",
            "layout": "NCHW",
            "color": "RGB",
            "scale": 1 / 255,
            "letterbox": {"pad_value": PAD_VALUE, "center": True},
        },
        "output": {"name": fmt.output_name, "shape": output_shape, "decode": "yolov5"},
        "labels": checkpoint.names,
        "stride": checkpoint.stride,
        "tools": tool_versions(*fmt.packages),
        "parity": parity.to_manifest(),
        "validated_on": validated_on.to_manifest(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if quantization is not None:
        manifest["quantization"] = quantization
    return manifest


def quantization_record(artifact: Path, choice: PresetChoice, config: QuantConfig) -> dict[str, Any]:
    """The ``quantization`` record of an int8 ONNX artifact (read back: whether it saturates, which blocks
    stayed float)."""
    model = onnx.load(str(artifact))
    return {
        "preset": choice.preset,
        "target_isa": choice.target_isa,
        "reason": choice.reason,
        "saturates_without_vnni": bool(saturating_nodes(model)),
        **config.to_manifest(),
        **keep_float_record(model),
    }


def write_manifest(artifact: Path, manifest: dict[str, Any]) -> Path:
    path = manifest_path(artifact)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def read_manifest(artifact: Path) -> dict[str, Any] | None:
    """The manifest beside ``artifact``, or None when there is none (third-party models)."""
    path = manifest_path(artifact)
    return json.loads(path.read_text()) if path.is_file() else None
