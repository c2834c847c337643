"""mAP@0.5 of candidate detections against reference detections, with hand-computed cases.

AP is VOC all-point: the area under the precision envelope, summed over recall steps (see the module).
"""

from __future__ import annotations

import numpy as np
import pytest

from smartcamrt_tools.detection_agreement import (
    METRIC,
    average_precision,
    box_iou,
    check_detection_agreement,
    coco128_images,
    describe_agreement,
    map50,
)
from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.validate import torch_runner
from smartcamrt_tools.vision.yolo_postprocess import Detections

A = [0, 0, 10, 10]
B = [20, 0, 30, 10]
C = [50, 50, 70, 70]


def dets(*rows) -> Detections:
    """rows of (box xyxy, class id, score)."""
    if not rows:
        return Detections(np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=np.int64))
    boxes, classes, scores = zip(*rows, strict=True)
    return Detections(np.asarray(boxes, float), np.asarray(scores, float), np.asarray(classes, np.int64))


# ------------------------------------------------------------------------------------------ building blocks


def test_box_iou():
    iou = box_iou(np.array([A]), np.array([A, B, [0, 0, 10, 20], [5, 0, 15, 10]]))
    np.testing.assert_allclose(iou, [[1.0, 0.0, 0.5, 50 / 150]])
    assert box_iou(np.zeros((0, 4)), np.array([A])).shape == (0, 1)
    assert box_iou(np.array([[0, 0, 0, 0]]), np.array([[0, 0, 0, 0]]))[0, 0] == 0  # degenerate, no NaN


def test_average_precision_all_point():
    assert average_precision([1, 1], 2) == 1.0
    assert average_precision([1], 2) == 0.5  # half the boxes found, none wrong
    assert average_precision([0, 1], 1) == 0.5  # the only hit ranked behind a false positive
    assert average_precision([1, 0, 1], 2) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert average_precision([1, 1, 0, 0], 2) == 1.0  # false positives after full recall cost nothing
    assert average_precision([], 3) == 0.0
    with pytest.raises(ValueError):
        average_precision([1], 0)


# ------------------------------------------------------------------------------------------------- mAP50


def test_identical_detections_score_one():
    reference = [dets((A, 0, 0.9), (B, 1, 0.8)), dets((C, 0, 0.7)), dets()]
    result = map50(reference, reference)
    assert result.value == 1.0 and result.per_class == {0: 1.0, 1: 1.0}
    assert result.reference_boxes == result.candidate_boxes == 3 and result.extra_class_boxes == 0


def test_reference_scores_do_not_matter():
    reference = [dets((A, 0, 0.3), (B, 0, 0.9))]
    candidate = [dets((A, 0, 0.9), (B, 0, 0.3))]
    assert map50(reference, candidate).value == 1.0


def test_one_missed_reference_box():
    # Class 0 has two reference boxes and the candidate finds one (AP 0.5); class 1 is found (AP 1.0).
    reference = [dets((A, 0, 0.9), (B, 0, 0.8), (C, 1, 0.7))]
    candidate = [dets((A, 0, 0.9), (C, 1, 0.7))]
    result = map50(reference, candidate)
    assert result.per_class == {0: 0.5, 1: 1.0}
    assert result.value == 0.75


def test_wrong_class_detection_is_a_false_positive():
    # Box A labelled 1 instead of 0: no class-1 reference box there, so it is a false positive of class 1
    # ranked first (class 1: FP then TP -> AP 0.5), and class 0's box is missed (AP 0).
    reference = [dets((A, 0, 0.9), (B, 1, 0.8))]
    candidate = [dets((A, 1, 0.9), (B, 1, 0.8))]
    result = map50(reference, candidate)
    assert result.per_class == {0: 0.0, 1: 0.5}
    assert result.value == 0.25


def test_wrong_class_outside_the_reference_classes_is_counted_not_scored():
    reference = [dets((A, 0, 0.9))]
    candidate = [dets((A, 0, 0.9), (A, 7, 0.95))]
    result = map50(reference, candidate)
    assert result.value == 1.0 and result.extra_class_boxes == 1 and list(result.per_class) == [0]


def test_duplicate_detection_second_is_false_positive():
    # A found twice before B: TP, FP, TP -> recall 0.5 at precision 1, recall 1 at precision 2/3.
    reference = [dets((A, 0, 0.9), (B, 0, 0.9))]
    candidate = [dets((A, 0, 0.9), ([0, 0, 10, 11], 0, 0.8), (B, 0, 0.7))]
    assert map50(reference, candidate).value == pytest.approx(0.5 + 0.5 * 2 / 3)


def test_false_positive_ranked_first():
    reference = [dets((A, 0, 0.9))]
    candidate = [dets((C, 0, 0.9), (A, 0, 0.5))]
    assert map50(reference, candidate).value == 0.5


def test_iou_threshold_is_inclusive_at_half():
    reference = [dets((A, 0, 0.9))]
    assert map50(reference, [dets(([0, 0, 10, 20], 0, 0.9))]).value == 1.0  # IoU exactly 0.5
    assert map50(reference, [dets(([0, 0, 10, 21], 0, 0.9))]).value == 0.0  # IoU 0.476


def test_match_prefers_the_best_overlap_among_unmatched_boxes():
    # X overlaps both; it takes the better one (right), so the exact box on the left still gets its match.
    left, right = [0, 0, 10, 10], [5, 0, 15, 10]
    reference = [dets((left, 0, 0.9), (right, 0, 0.9))]
    candidate = [dets(([4, 0, 14, 10], 0, 0.9), (left, 0, 0.8))]
    assert map50(reference, candidate).value == 1.0


def test_matches_stay_within_their_image():
    reference = [dets((A, 0, 0.9)), dets()]
    candidate = [dets(), dets((A, 0, 0.9))]  # right box, wrong image
    assert map50(reference, candidate).value == 0.0


def test_empty_cases():
    assert map50([dets(), dets()], [dets(), dets()]).value == 1.0  # nothing to find, nothing found
    assert map50([dets()], [dets((A, 0, 0.9))]).value == 0.0  # nothing to find, something found
    assert map50([dets((A, 0, 0.9))], [dets()]).value == 0.0  # something to find, nothing found
    assert map50([], []).value == 1.0
    with pytest.raises(ValueError, match="1 reference images but 2 candidate images"):
        map50([dets()], [dets(), dets()])


# ------------------------------------------------------------------------------------- on real images


def test_coco128_images(assets):
    images = coco128_images()
    assert len(images) == 128 and images == sorted(images)
    assert all(p.suffix == ".jpg" and p.is_file() for p in images)
    assert coco128_images(5) == images[:5]
    with pytest.raises(ToolError, match="at least one image"):
        coco128_images(0)


def test_coco128_missing_names_where_to_put_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTCAMRT_ASSETS", str(tmp_path))
    with pytest.raises(ToolError, match="coco128 images not found"):
        coco128_images()


def test_same_model_agrees_perfectly(reference_model, export_imgsz):
    run = torch_runner(reference_model)
    agreement = check_detection_agreement(run, run, coco128_images(4), (export_imgsz,) * 2, 0.98)
    assert agreement.metric == METRIC and agreement.images == 4
    assert agreement.value == 1.0 and agreement.passed and agreement.reference_boxes > 0
    assert describe_agreement(agreement) == (
        "detection agreement on 4 coco128 images: mAP50 1.000 (min 0.98): passed"
    )


def test_shifted_boxes_fail_the_floor(reference_model, export_imgsz, shifted):
    run = torch_runner(reference_model)
    agreement = check_detection_agreement(run, shifted(run, 30), coco128_images(8), (export_imgsz,) * 2, 0.98)
    assert agreement.candidate_boxes > 0
    assert agreement.value < 0.6 and not agreement.passed  # measured 0.477 (17 boxes; big ones still match)
    assert describe_agreement(agreement).endswith("(min 0.98): FAILED")
