"""Exporting an in-memory (pruned, fine-tuned) YOLOv5 through the export format table.

The same steps as ``smartcamrt export`` (:func:`smartcamrt_tools.export.pipeline.export_model`), for a
model that is not a checkpoint file: fuse Conv+BN, write the artifact with the row's exporter, check parity
against the unfused PyTorch model (raw outputs on bus.jpg/zidane.jpg and the detection agreement on
coco128), write the manifest. The manifest's ``source`` is the compressed weights file
(``.safetensors``), with ``source.base`` naming the checkpoint it was made from, and a ``compression``
record says how (method, ratio, fine-tune, teacher, parameters, FLOPs). Quantized rows (``onnx-int8``)
use the preset the target ISA picks, as ``smartcamrt export`` does by default.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..checkpoint import Checkpoint, file_sha256
from ..export.formats import get_format
from ..export.pipeline import artifact_name, export_and_check, parse_imgsz, resolve_quantization
from ..quantization.isa import read_host_cpu
from ..yolov5 import DetectionModel
from ..yolov5.fuse import fuse_model


def export_compressed(
    model: DetectionModel,
    base: Checkpoint,
    weights_file: Path,
    format_name: str,
    out_dir: Path,
    stem: str,
    imgsz: int,
    compression: dict[str, Any],
    agreement_images: int | None = 64,
    log: Callable[[str], None] = print,
) -> Path:
    """Export ``model`` (unfused, eval mode) as ``<stem>-<imgsz><suffix>`` with its manifest; returns it."""
    fmt = get_format(format_name)
    host = read_host_cpu()
    quantization = resolve_quantization(fmt, host)
    input_hw = parse_imgsz(imgsz, max(base.stride or [32]))
    reference = copy.deepcopy(model).eval()
    to_export = fuse_model(copy.deepcopy(model).eval())
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / artifact_name(stem, input_hw, fmt.suffix)
    source = dataclasses.replace(base, path=weights_file, sha256=file_sha256(weights_file), state_dict={})

    def amend(manifest: dict) -> None:
        manifest["source"]["base"] = {
            "path": str(base.path),
            "sha256": base.sha256,
            "official": base.official,
        }
        manifest["compression"] = compression

    return export_and_check(
        fmt,
        host,
        quantization,
        reference,
        to_export,
        source,
        artifact,
        input_hw,
        None,
        agreement_images,
        log,
        amend,
    )
