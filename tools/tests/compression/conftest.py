"""A tiny YOLOv5 built in code: the real architecture (yolov5n's layer list) at width 1/8, 3 classes."""

from __future__ import annotations

import copy

import pytest
import torch

from smartcamrt_tools.yolov5 import DetectionModel

YOLOV5_CONFIG = {
    "nc": 3,
    "depth_multiple": 0.33,
    "width_multiple": 0.125,
    "anchors": [[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119], [116, 90, 156, 198, 373, 326]],
    "backbone": [
        [-1, 1, "Conv", [64, 6, 2, 2]],
        [-1, 1, "Conv", [128, 3, 2]],
        [-1, 3, "C3", [128]],
        [-1, 1, "Conv", [256, 3, 2]],
        [-1, 6, "C3", [256]],
        [-1, 1, "Conv", [512, 3, 2]],
        [-1, 9, "C3", [512]],
        [-1, 1, "Conv", [1024, 3, 2]],
        [-1, 3, "C3", [1024]],
        [-1, 1, "SPPF", [1024, 5]],
    ],
    "head": [
        [-1, 1, "Conv", [512, 1, 1]],
        [-1, 1, "nn.Upsample", ["None", 2, "nearest"]],
        [[-1, 6], 1, "Concat", [1]],
        [-1, 3, "C3", [512, False]],
        [-1, 1, "Conv", [256, 1, 1]],
        [-1, 1, "nn.Upsample", ["None", 2, "nearest"]],
        [[-1, 4], 1, "Concat", [1]],
        [-1, 3, "C3", [256, False]],
        [-1, 1, "Conv", [256, 3, 2]],
        [[-1, 14], 1, "Concat", [1]],
        [-1, 3, "C3", [512, False]],
        [-1, 1, "Conv", [512, 3, 2]],
        [[-1, 10], 1, "Concat", [1]],
        [-1, 3, "C3", [1024, False]],
        [[17, 20, 23], 1, "Detect", ["nc", "anchors"]],
    ],
    "ch": 3,
}


def build_tiny(seed: int = 0) -> DetectionModel:
    torch.manual_seed(seed)
    model = DetectionModel(copy.deepcopy(YOLOV5_CONFIG), bn_eps=1e-3)
    detect = model.detect
    with torch.no_grad():  # checkpoints store anchors in grid units; a fresh model has them in pixels
        detect.anchors /= detect.stride.view(-1, 1, 1)
    return model.eval()


@pytest.fixture
def tiny_model() -> DetectionModel:
    return build_tiny()
