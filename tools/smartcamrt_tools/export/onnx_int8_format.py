"""The ``onnx-int8`` row of the export table: the fp32 ONNX export, statically quantized to int8 (QDQ).

The fp32 graph is the ``onnx`` row's own export (already checked by that row); ONNX Runtime's
``quantize_static`` then calibrates activation ranges on letterboxed coco128 images and writes
QuantizeLinear/DequantizeLinear pairs around the convolutions (see :mod:`smartcamrt_tools.quantization`
for the config, the presets and what was measured). The result is still a ``.onnx`` file with the same
``images`` -> ``output0`` float32 contract and the same metadata, so ONNX Runtime (the ``ort`` backend)
runs it unchanged, with int8 kernels where the QDQ pairs allow.

The blocks that int8 hurts most stay float (their convolutions in ORT's ``nodes_to_exclude``), as the
measured analysis ``smartcamrt-tools int8-sensitivity --scheme ort`` chose them for this preset's integers
and this graph (quantization/ort_sensitivity.py); without a cached analysis every block is quantized, and
the export says so. The manifest's ``quantization.keep_float`` is read back from the written file.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import onnx

from ..quantization import get_preset, quantize_onnx
from ..quantization.isa import choose_preset, read_host_cpu
from ..quantization.ort_sensitivity import find_result, preset_of, scheme_name
from .onnx_format import INPUT_NAME, export_onnx
from .request import ExportRequest


def export_onnx_int8(request: ExportRequest) -> None:
    """fp32 ONNX -> calibrated QDQ int8 ONNX; prints one line on what was quantized."""
    config = request.quantization or get_preset(choose_preset(read_host_cpu()).preset)
    input_hw = (int(request.sample_input.shape[-2]), int(request.sample_input.shape[-1]))
    with tempfile.TemporaryDirectory(prefix="smartcamrt-int8-") as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        export_onnx(dataclasses.replace(request, artifact=fp32))
        keep_float, source = _keep_float(onnx.load(str(fp32)), input_hw, config)
        print(f"kept in float: {', '.join(keep_float) or 'no block'} ({source})")
        result = quantize_onnx(fp32, request.artifact, config, input_hw, INPUT_NAME, keep_float, source)
    model = onnx.load(str(request.artifact))
    onnx.checker.check_model(model)
    quantized = sum(node.op_type == "QuantizeLinear" for node in model.graph.node)
    print(
        f"quantization: {config.activation_type} activations x {config.weight_type} weights"
        f"{' stored as uint8 + 128' if config.weights_as_uint8 else ''}"
        f"{' (per channel)' if config.per_channel else ''}, {config.calibrate_method} ranges from "
        f"{len(result.calibration_images)} coco128 images; {quantized} QuantizeLinear nodes, "
        f"{len(result.excluded_nodes)} Detect-decode nodes and {len(result.keep_float_nodes)} convolutions "
        "kept in float"
    )


def _keep_float(fp32: onnx.ModelProto, input_hw: tuple[int, int], config) -> tuple[list[str], str]:
    """The blocks to keep float and where that choice comes from (the manifest's ``keep_float_source``)."""
    preset = preset_of(config)
    if preset is None:
        return [], "a config no preset names: no sensitivity analysis applies, every block quantized"
    result = find_result(fp32, input_hw, preset)
    if result is None:
        return [], (
            f"no sensitivity analysis cached for this graph at this size ({scheme_name(preset)}; "
            "smartcamrt-tools int8-sensitivity --scheme ort): every block quantized"
        )
    return list(result["keep_float"]), f"sensitivity analysis {result['file']}"
