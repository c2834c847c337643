"""quantize_onnx end to end on the real export, and why the Detect decode stays in float."""

from __future__ import annotations

import onnx

from smartcamrt_tools.detection_agreement import check_detection_agreement, coco128_images
from smartcamrt_tools.export import FORMATS
from smartcamrt_tools.export.onnx_format import open_onnx_runner
from smartcamrt_tools.quantization import QuantConfig, quantize_onnx

IMGSZ = 320


def test_quantizing_the_decode_too_is_caught_by_the_int8_floor(onnx_model, tmp_path):
    """Quantized, the final concat shares one scale between boxes (0..320 px) and scores (0..1): the
    detections collapse (measured mAP50 0.19 on 128 images), far under the row's floor."""
    config = QuantConfig(calibration_images=8, keep_decode_float=False)
    broken = tmp_path / "decode-quantized.onnx"
    result = quantize_onnx(onnx_model, broken, config, (IMGSZ, IMGSZ), "images")
    assert result.excluded_nodes == [] and len(result.calibration_images) == 8
    (last,) = [node for node in onnx.load(str(broken)).graph.node if "output0" in node.output]
    assert last.op_type == "DequantizeLinear"  # the model's output went through int8

    floor = FORMATS["onnx-int8"].tolerance.min_map50
    agreement = check_detection_agreement(
        open_onnx_runner(onnx_model), open_onnx_runner(broken), coco128_images(8), (IMGSZ, IMGSZ), floor
    )
    assert agreement.passed is False and agreement.value < 0.5
