"""The calibration reader (real coco128 images through the project's letterbox) and the choice of images
and of the nodes that stay in float."""

from __future__ import annotations

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnxruntime.quantization import CalibrationDataReader

from smartcamrt_tools.detection_agreement import coco128_images
from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.quantization import LetterboxCalibrationReader, calibration_images, detect_decode_nodes
from smartcamrt_tools.vision.letterbox import preprocess


def test_reader_yields_n_letterboxed_inputs_then_none(assets):
    images = calibration_images(3)
    reader = LetterboxCalibrationReader(images, (256, 320), "images")
    assert isinstance(reader, CalibrationDataReader) and len(reader) == 3
    fed = [reader.get_next() for _ in range(3)]
    assert reader.get_next() is None and reader.get_next() is None
    for feed, path in zip(fed, images, strict=True):
        assert list(feed) == ["images"]
        batch = feed["images"]
        assert batch.shape == (1, 3, 256, 320) and batch.dtype == np.float32 and batch.flags.c_contiguous
        assert 0.0 <= batch.min() and batch.max() <= 1.0
        expected, _ = preprocess(cv2.imread(str(path)), (256, 320))  # the one letterbox, not a copy
        np.testing.assert_array_equal(batch, expected)
    reader.rewind()
    np.testing.assert_array_equal(reader.get_next()["images"], fed[0]["images"])


def test_calibration_images_come_from_the_training_split_only(assets):
    from smartcamrt_tools.evaluation.split import eval_images, train_images

    chosen = calibration_images(16)
    assert chosen == train_images()[-16:]
    assert calibration_images(64) == train_images()
    assert not {p.name for p in chosen} & {p.name for p in eval_images()}
    assert not set(chosen) & set(coco128_images(128 - 16))  # apart from the agreement's first images
    with pytest.raises(ToolError, match="65 calibration images asked for, .* only its training split \\(64"):
        calibration_images(65)
    with pytest.raises(ToolError, match="129 calibration images asked for, but coco128 has 128"):
        calibration_images(129)


def test_an_undecodable_image_is_one_line_error(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    reader = LetterboxCalibrationReader([broken], (64, 64), "images")
    with pytest.raises(ToolError, match="cannot decode calibration image .*broken.jpg"):
        reader.get_next()
    with pytest.raises(ToolError, match="at least one image"):
        LetterboxCalibrationReader([], (64, 64), "images")


def _tiny_graph() -> onnx.ModelProto:
    """conv -> silu -> conv(head) -> sigmoid -> mul -> concat: the tail after the last conv is the decode."""
    weight = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 1, 1], [1.0])
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c1"], name="conv1"),
        helper.make_node("Sigmoid", ["c1"], ["s1"], name="silu_sigmoid"),
        helper.make_node("Mul", ["c1", "s1"], ["m1"], name="silu_mul"),
        helper.make_node("Conv", ["m1", "w"], ["c2"], name="head_conv"),
        helper.make_node("Sigmoid", ["c2"], ["s2"], name="decode_sigmoid"),
        helper.make_node("Mul", ["s2", "s2"], ["m2"], name="decode_mul"),
        helper.make_node("Concat", ["m2", "s2"], ["y"], name="decode_concat", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])],
        [weight],
    )
    return helper.make_model(graph)


def test_decode_nodes_are_those_after_the_last_convolutions():
    assert detect_decode_nodes(_tiny_graph()) == ["decode_sigmoid", "decode_mul", "decode_concat"]


def test_decode_nodes_of_the_yolov5_export(onnx_model):
    model = onnx.load(str(onnx_model))
    decode = detect_decode_nodes(model)
    by_name = {node.name: node for node in model.graph.node}
    kinds = {by_name[name].op_type for name in decode}
    assert kinds == {"Reshape", "Transpose", "Sigmoid", "Slice", "Mul", "Add", "Pow", "Sub", "Concat"}
    assert sum(by_name[name].op_type == "Sigmoid" for name in decode) == 3  # one per Detect level
    assert by_name[decode[-1]].output == ["output0"]
    assert len(decode) == 44  # 14 per level + the grid offset Sub + the final concat
