"""Calibration data for static quantization: real images through the project's letterbox.

:class:`LetterboxCalibrationReader` is an ONNX Runtime ``CalibrationDataReader``: ``get_next()`` yields
``{input_name: [1, 3, H, W] float32}`` for each image, letterboxed and scaled exactly as at inference
(:func:`smartcamrt_tools.vision.letterbox.preprocess`), then ``None``. Images are read one at a time, so
memory stays flat however many there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader

from ..errors import ToolError
from ..vision.letterbox import preprocess


class LetterboxCalibrationReader(CalibrationDataReader):
    def __init__(self, images: Sequence[Path], input_hw: tuple[int, int], input_name: str):
        if not images:
            raise ToolError("calibration needs at least one image")
        self.images = list(images)
        self.input_hw = input_hw
        self.input_name = input_name
        self._next = 0

    def __len__(self) -> int:
        return len(self.images)

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self._next >= len(self.images):
            return None
        path = self.images[self._next]
        self._next += 1
        image = cv2.imread(str(path))
        if image is None:
            raise ToolError(f"cannot decode calibration image {path}")
        batch, _ = preprocess(image, self.input_hw)
        return {self.input_name: batch}

    def rewind(self) -> None:
        self._next = 0


def calibration_images(count: int) -> list[Path]:
    """The last ``count`` images of coco128's *training* split (:mod:`smartcamrt_tools.evaluation.split`).

    Calibration may never see an image that judges the model, so the images come from the one written-down
    split rather than from a rule of this module's own; more than the training split holds is refused.
    """
    from ..evaluation import split

    if count < 1:
        raise ToolError(f"calibration needs at least one image, got {count}")
    train = split.train_images()
    if count > len(train):
        raise ToolError(
            f"{count} calibration images asked for, but coco128 has {len(split.coco128_images())} and "
            f"calibration may use only its training split ({len(train)} images; the rest are the "
            "evaluation split)"
        )
    return split.calibration_images(count)


def detect_decode_nodes(model: onnx.ModelProto) -> list[str]:
    """Names of the nodes after the last convolutions: the YOLOv5 Detect decode.

    That is every node from which no Conv can be reached (reshape/transpose of the head convs' output,
    sigmoid, the grid/anchor arithmetic and the final concat of boxes with scores). Quantized, that concat
    would share one scale between boxes (0..640 px) and probabilities (0..1).

    ONNX requires nodes in topological order, so one pass from the end knows every consumer's answer
    before its producer's.
    """
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    feeds_conv: set[int] = set()  # id() of the nodes from which a Conv can be reached
    decode = []
    for node in reversed(model.graph.node):
        nexts = [nxt for out in node.output for nxt in consumers.get(out, [])]
        if node.op_type == "Conv" or any(nxt.op_type == "Conv" or id(nxt) in feeds_conv for nxt in nexts):
            feeds_conv.add(id(node))
        else:
            decode.append(node.name)
    return decode[::-1]
