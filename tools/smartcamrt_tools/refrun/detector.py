"""The ONNX Runtime session of the reference loop, with what the loop needs to know about the model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from ..errors import ToolError
from ..export.manifest import read_manifest


@dataclass
class OrtDetector:
    session: ort.InferenceSession
    path: Path
    input_name: str
    input_hw: tuple[int, int]
    labels: list[str]
    precision: str

    def infer(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: batch})[0]


def open_detector(model: str | Path, threads: int | None = None, fallback_hw=(640, 640)) -> OrtDetector:
    """Open an ONNX YOLOv5 model on the CPU provider; set-up problems become one-line ToolErrors."""
    path = Path(model).expanduser()
    if not path.is_file():
        raise ToolError(f"model file not found: {model}")
    options = ort.SessionOptions()
    if threads is not None:
        if threads < 1:
            raise ToolError(f"--threads must be >= 1, got {threads}")
        options.intra_op_num_threads = threads
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own exception types (InvalidProtobuf, Fail, ...)
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ToolError(f"{path} is not a loadable ONNX model: {first_line}") from exc

    model_input = session.get_inputs()[0]
    shape = model_input.shape
    if len(shape) != 4:
        raise ToolError(f"{path}: expected a 4-D image input (1x3xHxW), found shape {shape}")
    height, width = shape[2], shape[3]
    # Static exports carry their size; a dynamic-shape model runs at the fallback size.
    input_hw = (height, width) if isinstance(height, int) and isinstance(width, int) else tuple(fallback_hw)

    manifest = read_manifest(path) or {}
    metadata = session.get_modelmeta().custom_metadata_map
    labels = _labels(metadata, manifest)
    return OrtDetector(session, path, model_input.name, input_hw, labels, manifest.get("precision", "fp32"))


def _labels(metadata: dict[str, str], manifest: dict) -> list[str]:
    """Class names from the ONNX metadata (``names``), else the manifest; empty when neither has them."""
    raw = metadata.get("names")
    if raw:
        try:
            names = json.loads(raw)
        except json.JSONDecodeError:
            names = None
        if isinstance(names, dict):  # Ultralytics' own exports store a {index: name} dict literal
            return [str(names[k]) for k in sorted(names, key=int)]
        if isinstance(names, list):
            return [str(n) for n in names]
    return [str(n) for n in manifest.get("labels", [])]
