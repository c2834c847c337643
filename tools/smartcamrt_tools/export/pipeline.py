"""``smartcamrt-tools export``: checkpoint -> rebuilt model -> artifact -> parity check -> manifest."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..assets import resolve_weights
from ..checkpoint import Checkpoint, load_checkpoint
from ..detection_agreement import coco128_images
from ..errors import ParityError, ToolError
from ..quantization import QuantConfig, calibration_images, get_preset
from ..quantization.isa import (
    DEFAULT_TARGET_ISA,
    HostCpu,
    PresetChoice,
    check_preset,
    choose_preset,
    read_host_cpu,
)
from ..validate import check_parity, describe_all, failure_reasons, load_parity_inputs, torch_runner
from ..yolov5 import build_from_checkpoint
from .formats import FORMATS, ExportFormat, get_format
from .manifest import build_manifest, quantization_record, write_manifest
from .request import ExportRequest

# coco128 images in the detection agreement (the first N in name order): all of them, ~560 reference
# boxes over 65 classes at 640, so one flipped box moves the mAP by a step small enough to judge reduced-
# precision rows against their floors. Cost, measured on the shared 2-core build machine at 640 (load
# average 4.5-7.5 from other jobs): 210 s, of which the unfused PyTorch reference took 186 s (1.45 s per
# image), ONNX Runtime 22 s, letterbox + NMS + mAP < 2 s. The PyTorch time is torch's two OpenMP threads
# fighting the load: the same images took 0.18-0.26 s each with torch.set_num_threads(1) on that
# machine, so an idle 2-core machine is expected to need well under a minute. Pass a smaller
# ``agreement_images`` (e.g. 64) where export time matters more than the agreement's resolution.
AGREEMENT_IMAGES = 128


def parse_imgsz(imgsz: int | Sequence[int], max_stride: int = 32) -> tuple[int, int]:
    """``640`` or ``[H, W]`` -> (H, W); each side must be a positive multiple of the model's max stride."""
    sizes = [imgsz] if isinstance(imgsz, int) else list(imgsz)
    if len(sizes) == 1:
        sizes = sizes * 2
    if len(sizes) != 2:
        raise ToolError(f"--imgsz takes one size or two (H W), got {len(sizes)}")
    for side in sizes:
        if side <= 0 or side % max_stride:
            nearest = max(max_stride, round(side / max_stride) * max_stride)
            raise ToolError(
                f"--imgsz {side} is not a multiple of the model stride {max_stride}; try {nearest}"
            )
    return sizes[0], sizes[1]


def artifact_name(stem: str, input_hw: tuple[int, int], suffix: str) -> str:
    """``yolov5n-640.onnx`` for a square input, ``yolov5n-640x480.onnx`` (W x H, as frames.csv) otherwise."""
    height, width = input_hw
    size = str(height) if height == width else f"{width}x{height}"
    return f"{stem}-{size}{suffix}"


def resolve_quantization(
    fmt: ExportFormat,
    host: HostCpu,
    preset: str | None = None,
    calibration_count: int | None = None,
    target_isa: str | None = None,
) -> tuple[PresetChoice, QuantConfig] | None:
    """The preset (and why) and the config a quantized row exports with; None for other rows.

    Without ``preset`` the target ISA picks it (default: :data:`DEFAULT_TARGET_ISA`); a named preset is
    checked against the target and against ``host``, the CPU that validates it (see quantization/isa.py).
    ``calibration_count`` overrides the preset's image count.
    """
    if not fmt.quantized:
        if preset is not None or calibration_count is not None or target_isa is not None:
            quantized = ", ".join(sorted(name for name, row in FORMATS.items() if row.quantized))
            raise ToolError(
                f"--quant-preset, --target-isa and --calibration-images apply to quantized formats "
                f"({quantized}), not to '{fmt.name}'"
            )
        return None
    target = target_isa or DEFAULT_TARGET_ISA
    if preset is None:
        choice = choose_preset(host, target)
    else:
        choice = check_preset(preset.lower(), get_preset(preset), host, target)
    config = get_preset(choice.preset)
    if calibration_count is not None:
        config = dataclasses.replace(config, calibration_images=calibration_count)
    return choice, config


def export_model(
    weights: str,
    format_name: str,
    out_dir: str | Path,
    imgsz: int | Sequence[int] = 640,
    opset: int | None = None,
    log: Callable[[str], None] = print,
    agreement_images: int | None = AGREEMENT_IMAGES,
    quant_preset: str | None = None,
    calibration_count: int | None = None,
    target_isa: str | None = None,
) -> Path:
    """Export, validate and describe one model; returns the artifact path (absolute).

    The parity check compares raw outputs on two images and scores the detection agreement on the first
    ``agreement_images`` coco128 images (None: all of them). A failed parity check still writes the
    artifact and its manifest (``parity.passed = false``) for inspection, then raises
    :class:`ParityError`.

    Quantized rows (``onnx-int8``) calibrate with ``quant_preset`` (default: the one ``target_isa``
    picks) on ``calibration_count`` coco128 images (default: the preset's); other rows refuse all three.
    Every manifest records the CPU that ran the parity check (``validated_on``).
    """
    fmt = get_format(format_name)
    host = read_host_cpu()
    quantization = resolve_quantization(fmt, host, quant_preset, calibration_count, target_isa)
    choice, quant_config = quantization if quantization else (None, None)
    source = resolve_weights(weights)
    checkpoint = load_checkpoint(source)
    official = {True: "official release file", False: "NOT the official release file", None: "no known hash"}
    log(f"weights: {source} (sha256 {checkpoint.sha256}, {official[checkpoint.official]})")

    max_stride = max(checkpoint.stride or [32])
    input_hw = parse_imgsz(imgsz, max_stride)
    reference = build_from_checkpoint(checkpoint)  # unfused fp32: the parity reference
    to_export = build_from_checkpoint(checkpoint, fuse=True)

    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    artifact = out / artifact_name(source.stem, input_hw, fmt.suffix)
    return export_and_check(
        fmt,
        host,
        quantization,
        reference,
        to_export,
        checkpoint,
        artifact,
        input_hw,
        opset,
        agreement_images,
        log,
    )


def export_and_check(
    fmt: ExportFormat,
    host,
    quantization,
    reference,
    to_export,
    source: Checkpoint,
    artifact: Path,
    input_hw: tuple[int, int],
    opset: int | None,
    agreement_images: int | None,
    log: Callable[[str], None],
    amend_manifest: Callable[[dict], None] | None = None,
) -> Path:
    """The steps every export shares once the models are built: write ``artifact`` from ``to_export`` with
    the row's exporter, check parity against the unfused ``reference``, write the manifest (``source`` is
    the checkpoint it names; ``amend_manifest`` may add to it), raise :class:`ParityError` on a failed
    check (after writing both, for inspection). ``quantization`` is what :func:`resolve_quantization`
    returned. Used by ``smartcamrt export`` and by ``smartcamrt compress`` for an in-memory model."""
    choice, quant_config = quantization if quantization else (None, None)
    inputs = load_parity_inputs(input_hw)  # before exporting: a missing image should fail fast
    agreement = coco128_images(agreement_images)
    if quant_config is not None:
        calibration_images(quant_config.calibration_images)  # fails fast, like the images above
    sample = np.zeros((1, 3, *input_hw), dtype=np.float32)
    metadata = {"names": source.names, "stride": source.stride}
    log(f"exporting {fmt.name} {input_hw[1]}x{input_hw[0]} -> {artifact}")
    if choice is not None:
        log(f"int8 preset {choice.preset}: {choice.reason}")
    fmt.export(ExportRequest(to_export, sample, artifact, opset, metadata, quantization=quant_config))

    parity = check_parity(
        torch_runner(reference), fmt.open_runner(artifact), inputs, fmt.tolerance, agreement
    )
    log(f"validated on {host.describe()}")
    for line in describe_all(parity):
        log(line)
    quant_record = quantization_record(artifact, choice, quant_config) if choice else None
    if quant_record is None and fmt.quantization_record is not None:
        quant_record = fmt.quantization_record(input_hw)
    manifest = build_manifest(
        artifact, fmt, source, input_hw, reference.output_shape(input_hw), parity, host, quant_record
    )
    if amend_manifest is not None:
        amend_manifest(manifest)
    manifest_file = write_manifest(artifact, manifest)
    log(f"manifest: {manifest_file}")
    if not parity.passed:
        raise ParityError(
            f"{artifact.name} does not match the PyTorch model within the {fmt.name} tolerance "
            f"({'; '.join(failure_reasons(parity))}); see {manifest_file}"
        )
    return artifact
