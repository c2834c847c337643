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

import numpy as np

from ..checkpoint import Checkpoint, file_sha256
from ..detection_agreement import coco128_images
from ..errors import ParityError
from ..export.formats import get_format
from ..export.manifest import build_manifest, quantization_record, write_manifest
from ..export.pipeline import artifact_name, parse_imgsz, resolve_quantization
from ..export.request import ExportRequest
from ..quantization.isa import read_host_cpu
from ..validate import check_parity, describe_all, failure_reasons, load_parity_inputs, torch_runner
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
    choice, quant_config = quantization if quantization else (None, None)
    input_hw = parse_imgsz(imgsz, max(base.stride or [32]))
    reference = copy.deepcopy(model).eval()
    to_export = fuse_model(copy.deepcopy(model).eval())
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / artifact_name(stem, input_hw, fmt.suffix)
    inputs = load_parity_inputs(input_hw)
    agreement = coco128_images(agreement_images)
    sample = np.zeros((1, 3, *input_hw), dtype=np.float32)
    metadata = {"names": base.names, "stride": base.stride}
    log(f"exporting {fmt.name} {input_hw[1]}x{input_hw[0]} -> {artifact}")
    if choice is not None:
        log(f"int8 preset {choice.preset}: {choice.reason}")
    fmt.export(ExportRequest(to_export, sample, artifact, None, metadata, quantization=quant_config))
    parity = check_parity(
        torch_runner(reference), fmt.open_runner(artifact), inputs, fmt.tolerance, agreement
    )
    for line in describe_all(parity):
        log(line)
    source = dataclasses.replace(base, path=weights_file, sha256=file_sha256(weights_file), state_dict={})
    quant_record = quantization_record(artifact, choice, quant_config) if choice else None
    manifest = build_manifest(
        artifact, fmt, source, input_hw, reference.output_shape(input_hw), parity, host, quant_record
    )
    manifest["source"]["base"] = {"path": str(base.path), "sha256": base.sha256, "official": base.official}
    manifest["compression"] = compression
    manifest_file = write_manifest(artifact, manifest)
    log(f"manifest: {manifest_file}")
    if not parity.passed:
        raise ParityError(
            f"{artifact.name} does not match its PyTorch model within the {fmt.name} tolerance "
            f"({'; '.join(failure_reasons(parity))}); see {manifest_file}"
        )
    return artifact
