from __future__ import annotations

import numpy as np

from smartcamrt_tools.vision.letterbox import LetterboxInfo
from smartcamrt_tools.vision.yolo_postprocess import nms, postprocess

NC = 3
IDENTITY = LetterboxInfo(scale=1.0, pad_x=0, pad_y=0, source_width=1000, source_height=1000)


def row(cx, cy, w, h, obj, class_id, cls_prob=0.9):
    r = np.zeros(5 + NC, dtype=np.float32)
    r[:5] = (cx, cy, w, h, obj)
    r[5 + class_id] = cls_prob
    return r


def test_overlapping_boxes_of_one_class_are_merged():
    output = np.stack([row(100, 100, 50, 50, 0.9, 0), row(102, 101, 50, 50, 0.8, 0)])[None]
    detections = postprocess(output, IDENTITY)
    assert len(detections) == 1
    assert np.isclose(detections.scores[0], 0.9 * 0.9)
    np.testing.assert_allclose(detections.boxes[0], [75, 75, 125, 125])


def test_nms_is_class_aware():
    output = np.stack([row(100, 100, 50, 50, 0.9, 0), row(102, 101, 50, 50, 0.8, 1)])[None]
    detections = postprocess(output, IDENTITY)
    assert sorted(detections.class_ids.tolist()) == [0, 1]


def test_confidence_is_objectness_times_class_probability():
    output = np.stack([row(100, 100, 50, 50, 0.5, 2, cls_prob=0.4)])[None]  # 0.2 < 0.25
    assert len(postprocess(output, IDENTITY, conf_threshold=0.25)) == 0
    assert len(postprocess(output, IDENTITY, conf_threshold=0.1)) == 1


def test_boxes_map_back_through_the_letterbox_and_clip():
    info = LetterboxInfo(scale=0.5, pad_x=0, pad_y=140, source_width=1280, source_height=720)
    output = np.stack([row(320, 320, 100, 100, 0.9, 0), row(630, 150, 40, 40, 0.9, 1)])[None]
    detections = postprocess(output, info)
    boxes = {int(c): b for c, b in zip(detections.class_ids, detections.boxes, strict=True)}
    np.testing.assert_allclose(boxes[0], [540, 260, 740, 460])
    assert boxes[1][2] == 1280 and boxes[1][1] == 0  # clipped to the source image


def test_nms_keeps_disjoint_boxes_in_score_order():
    boxes = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [1, 1, 10, 10]], dtype=np.float32)
    keep = nms(boxes, np.array([0.5, 0.9, 0.7]), 0.45)
    assert keep.tolist() == [1, 2]
