from __future__ import annotations

import cv2
import numpy as np
import torch

from smartcamrt_tools.vision.letterbox import preprocess
from smartcamrt_tools.vision.yolo_postprocess import postprocess
from smartcamrt_tools.yolov5 import build_from_checkpoint
from smartcamrt_tools.yolov5.parse import make_divisible

BUS, PERSON = 5, 0


def detect(model, image_path, size=640):
    image = cv2.imread(str(image_path))
    batch, info = preprocess(image, (size, size))
    with torch.no_grad():
        output = model(torch.from_numpy(batch)).numpy()
    return output, postprocess(output, info), image


def test_make_divisible():
    assert make_divisible(64 * 0.25) == 16
    assert make_divisible(17) == 24
    assert make_divisible(1024 * 0.25) == 256


def test_rebuilt_yolov5n_has_the_published_size(reference_model):
    # YOLOv5n's model summary: 1,872,157 parameters before fusing.
    assert sum(p.numel() for p in reference_model.parameters()) == 1_872_157
    assert reference_model.stride == [8, 16, 32]
    assert all(not p.requires_grad and p.dtype == torch.float32 for p in reference_model.parameters())


def test_output_is_the_standard_export_tensor(reference_model, assets):
    output, _, _ = detect(reference_model, assets / "images" / "bus.jpg")
    assert output.shape == (1, 25200, 85) == tuple(reference_model.output_shape((640, 640)))
    assert 0.0 <= output[..., 4:].min() and output[..., 4:].max() <= 1.0  # sigmoid probabilities
    assert output[..., 0].max() <= 640 + 64  # centres in input pixels (a box may overhang a little)


def test_bus_jpg_finds_the_bus_and_the_people(reference_model, assets):
    _, detections, image = detect(reference_model, assets / "images" / "bus.jpg")
    classes = detections.class_ids.tolist()
    assert BUS in classes
    assert classes.count(PERSON) >= 3
    bus_box = detections.boxes[classes.index(BUS)]
    height, width = image.shape[:2]
    # The bus fills most of the picture's width; boxes are in source pixels and clipped to it.
    assert (bus_box[2] - bus_box[0]) > 0.7 * width
    assert detections.boxes.min() >= 0
    assert detections.boxes[:, 2].max() <= width and detections.boxes[:, 3].max() <= height


def test_fused_model_computes_the_same_function(checkpoint, reference_model, assets):
    fused = build_from_checkpoint(checkpoint, fuse=True)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    image = cv2.imread(str(assets / "images" / "zidane.jpg"))
    batch = torch.from_numpy(preprocess(image, (320, 320))[0])
    with torch.no_grad():
        diff = (fused(batch) - reference_model(batch)).abs()
    assert float(diff[..., :4].max()) < 1e-2 and float(diff[..., 4:].max()) < 1e-4
    assert np.isfinite(diff.numpy()).all()
