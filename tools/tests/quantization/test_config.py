"""QuantConfig: plain values in, ONNX Runtime's arguments out; presets looked up by name."""

from __future__ import annotations

import dataclasses
import json

import pytest
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.quantization import QUANT_PRESETS, QuantConfig, get_preset


def test_config_becomes_quantize_static_arguments():
    config = QuantConfig(activation_type="uint8", weight_type="int8", calibrate_method="percentile")
    kwargs = config.quantize_static_kwargs(["a", "b"])
    assert kwargs["quant_format"] == QuantFormat.QDQ
    assert (kwargs["activation_type"], kwargs["weight_type"]) == (QuantType.QUInt8, QuantType.QInt8)
    assert kwargs["calibrate_method"] == CalibrationMethod.Percentile
    assert kwargs["per_channel"] is True and kwargs["reduce_range"] is False
    assert kwargs["nodes_to_exclude"] == ["a", "b"] and kwargs["op_types_to_quantize"] is None
    restricted = dataclasses.replace(config, op_types=("Conv",))
    assert restricted.quantize_static_kwargs([])["op_types_to_quantize"] == ["Conv"]


def test_manifest_record_is_json():
    record = QuantConfig(op_types=("Conv", "MaxPool")).to_manifest()
    assert json.loads(json.dumps(record)) == record
    assert record["format"] == "QDQ" and record["op_types"] == ["Conv", "MaxPool"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"activation_type": "int4"}, "activation_type 'int4' is not one of: int8, uint8"),
        ({"weight_type": "fp8"}, "weight_type 'fp8' is not one of"),
        ({"calibrate_method": "guess"}, "calibrate_method 'guess' is not one of: minmax, entropy"),
        ({"calibration_images": 0}, "at least one image, got 0"),
        ({"weights_as_uint8": True, "activation_type": "int8"}, "needs uint8 activations, int8 weights"),
        ({"weights_as_uint8": True, "weight_type": "uint8"}, "needs uint8 activations, int8 weights"),
    ],
)
def test_bad_values_are_refused_by_name(changes, message):
    with pytest.raises(ToolError, match=message):
        QuantConfig(**changes)


def test_presets():
    assert QUANT_PRESETS["qdq-u8s8"] == QuantConfig()  # the dataclass defaults
    assert get_preset("QDQ-U8S8") is QUANT_PRESETS["qdq-u8s8"]  # names are case-insensitive
    for config in QUANT_PRESETS.values():  # what the measurements in presets.py support
        assert config.per_channel and config.keep_decode_float and config.calibrate_method == "minmax"
    kinds = {
        name: (c.activation_type, c.weight_type, c.reduce_range, c.weights_as_uint8)
        for name, c in QUANT_PRESETS.items()
    }
    assert kinds == {
        "qdq-u8s8": ("uint8", "int8", False, False),
        "qdq-u8u8": ("uint8", "int8", False, True),  # qdq-u8s8's weights, stored shifted to uint8
        "qdq-u8s8-reduce-range": ("uint8", "int8", True, False),
        "qdq-s8s8": ("int8", "int8", False, False),
    }


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ToolError) as info:
        get_preset("arm-magic")
    message = str(info.value)
    assert message.startswith("unknown quantization preset 'arm-magic'; known presets: ")
    assert message.split("known presets: ")[1].split(", ") == sorted(QUANT_PRESETS)
