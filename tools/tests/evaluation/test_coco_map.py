"""Our COCO mAP against pycocotools on the same predictions: fixed, generated from the real coco128
labels (jitter, dropped boxes, wrong classes, duplicates, false positives, score ties), plus edge cases."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from smartcamrt_tools.evaluation.coco_map import MAX_DETS, box_iou_xywh, evaluate_coco
from smartcamrt_tools.evaluation.dataset import find_dataset, ground_truth_document

pycocotools = pytest.importorskip("pycocotools")  # a pinned test dependency (tools/requirements.txt)
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

TOLERANCE = 0.002  # what the evaluator must hold to (issue 8); in practice the two agree to ~1e-15


@pytest.fixture(scope="module")
def coco128_truth(assets: Path) -> dict:
    dataset = find_dataset(assets / "coco128")
    return ground_truth_document(dataset, dataset.class_names)


def reference(ground_truth: dict, results: list[dict], tmp_path: Path) -> tuple[float, float]:
    """pycocotools' mAP50-95 and mAP50, from files as a user would run it."""
    gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_file.write_text(json.dumps(ground_truth))
    dt_file.write_text(json.dumps(results))
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_file))
        evaluator = COCOeval(gt, gt.loadRes(str(dt_file)), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return float(evaluator.stats[0]), float(evaluator.stats[1])


def fake_predictions(ground_truth: dict, seed: int, score_decimals: int = 2) -> list[dict]:
    """A detector's worth of mistakes, reproducibly: each true box is dropped (15 %) or found with
    jitter, sometimes with the wrong class (5 %) or twice (8 %); every image gets 0-6 false positives
    (some of classes absent from the ground truth). Scores rounded so that ties happen."""
    rng = np.random.default_rng(seed)
    sizes = {image["id"]: (image["width"], image["height"]) for image in ground_truth["images"]}
    results = []

    def add(image_id, category, box, score):
        x, y, w, h = box
        results.append(
            {
                "image_id": image_id,
                "category_id": int(category),
                "bbox": [
                    round(float(x), 2),
                    round(float(y), 2),
                    round(float(max(w, 0.5)), 2),
                    round(float(max(h, 0.5)), 2),
                ],
                "score": round(float(score), score_decimals),
            }
        )

    for ann in ground_truth["annotations"]:
        if rng.random() < 0.15:
            continue
        x, y, w, h = ann["bbox"]
        sigma = rng.choice([0.02, 0.08, 0.2])
        box = (
            x + rng.normal(0, sigma) * w,
            y + rng.normal(0, sigma) * h,
            w * np.exp(rng.normal(0, sigma)),
            h * np.exp(rng.normal(0, sigma)),
        )
        category = ann["category_id"] if rng.random() > 0.05 else rng.integers(0, 80)
        add(ann["image_id"], category, box, rng.uniform(0.2, 1.0))
        if rng.random() < 0.08:
            add(ann["image_id"], category, box, rng.uniform(0.05, 0.6))
    for image_id, (width, height) in sizes.items():
        for _ in range(rng.integers(0, 7)):
            w, h = rng.uniform(10, width / 2), rng.uniform(10, height / 2)
            box = (rng.uniform(0, width - w), rng.uniform(0, height - h), w, h)
            add(image_id, rng.integers(0, 80), box, rng.uniform(0.001, 0.7))
    return results


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_pycocotools_on_coco128(coco128_truth, tmp_path, seed):
    results = fake_predictions(coco128_truth, seed)
    ours = evaluate_coco(coco128_truth, results)
    theirs = reference(coco128_truth, results, tmp_path)
    assert 0.2 < ours.map50_95 < 0.9  # a real spread of matches, not a degenerate case
    assert ours.map50_95 == pytest.approx(theirs[0], abs=TOLERANCE)
    assert ours.map50 == pytest.approx(theirs[1], abs=TOLERANCE)
    assert abs(ours.map50_95 - theirs[0]) < 1e-9, "expected the same arithmetic, not just close"


def test_equals_pycocotools_with_fine_scores_and_a_subset_of_images(coco128_truth, tmp_path):
    keep = {image["id"] for image in coco128_truth["images"][:20]}
    truth = {
        **coco128_truth,
        "images": [i for i in coco128_truth["images"] if i["id"] in keep],
        "annotations": [a for a in coco128_truth["annotations"] if a["image_id"] in keep],
    }
    results = fake_predictions(truth, seed=7, score_decimals=6)
    ours = evaluate_coco(truth, results)
    assert (ours.map50_95, ours.map50) == pytest.approx(reference(truth, results, tmp_path), abs=1e-9)


# ---------------------------------------------------------------------------------------- edge cases


def tiny_truth(boxes_by_image: dict[int, list[tuple[int, list[float]]]], categories: int = 3) -> dict:
    annotations = []
    for image_id, boxes in boxes_by_image.items():
        for category, bbox in boxes:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": category,
                    "bbox": bbox,
                    "area": bbox[2] * bbox[3],
                    "iscrowd": 0,
                }
            )
    return {
        "images": [{"id": i, "width": 640, "height": 480, "file_name": f"{i}.jpg"} for i in boxes_by_image],
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}"} for c in range(categories)],
    }


def det(image_id: int, category: int, bbox: list[float], score: float) -> dict:
    return {"image_id": image_id, "category_id": category, "bbox": bbox, "score": score}


def test_no_predictions_is_zero():
    truth = tiny_truth({1: [(0, [10, 10, 50, 50])], 2: [(1, [100, 100, 40, 80])]})
    result = evaluate_coco(truth, [])
    assert (result.map50_95, result.map50) == (0.0, 0.0)
    assert len(result.scored_classes) == 2


def test_perfect_predictions_are_one(tmp_path):
    truth = tiny_truth({1: [(0, [10, 10, 50, 50]), (2, [200, 50, 30, 90])], 2: [(1, [100, 100, 40, 80])]})
    results = [det(a["image_id"], a["category_id"], a["bbox"], 0.9) for a in truth["annotations"]]
    result = evaluate_coco(truth, results)
    assert (result.map50_95, result.map50) == pytest.approx((1.0, 1.0), abs=1e-12)  # tp/(tp+fp+eps)
    assert reference(truth, results, tmp_path) == pytest.approx((1.0, 1.0), abs=1e-12)


def test_a_class_without_ground_truth_takes_no_part(tmp_path):
    truth = tiny_truth({1: [(0, [10, 10, 50, 50])], 2: [(0, [300, 100, 40, 80])]})
    results = [det(1, 0, [12, 10, 50, 48], 0.9), det(2, 0, [300, 104, 40, 80], 0.8)]
    alone = evaluate_coco(truth, results)
    with_stray = evaluate_coco(
        truth, [*results, det(1, 2, [0, 0, 100, 100], 0.99), det(2, 1, [5, 5, 9, 9], 0.5)]
    )
    assert (with_stray.map50_95, with_stray.map50) == (alone.map50_95, alone.map50)
    assert [c.category_id for c in with_stray.scored_classes] == [0]
    stray = {c.category_id: c for c in with_stray.classes}
    assert stray[2].ground_truth == 0 and stray[2].detections == 1 and stray[2].ap50_95 == -1
    assert (alone.map50_95, alone.map50) == pytest.approx(reference(truth, results, tmp_path), abs=1e-12)


def test_an_image_without_labels_only_adds_false_positives(tmp_path):
    truth = tiny_truth({1: [(0, [10, 10, 50, 50]), (0, [100, 100, 50, 50])], 9: []})
    hits = [det(1, 0, [10, 10, 50, 50], 0.6), det(1, 0, [100, 100, 50, 50], 0.5)]
    clean = evaluate_coco(truth, hits)
    assert clean.map50 == pytest.approx(1.0)
    noisy_results = [*hits, det(9, 0, [10, 10, 50, 50], 0.55)]  # ranked between the two hits
    noisy = evaluate_coco(truth, noisy_results)
    assert noisy.map50 < 1.0
    assert (noisy.map50_95, noisy.map50) == pytest.approx(
        reference(truth, noisy_results, tmp_path), abs=1e-12
    )
    # Precision at recall 0.5 is 1, beyond it 2/3: 51 points of 1 and 50 of 2/3.
    assert noisy.map50 == pytest.approx((51 + 50 * 2 / 3) / 101)


def test_no_ground_truth_at_all_is_minus_one():
    truth = tiny_truth({1: [], 2: []})
    result = evaluate_coco(truth, [det(1, 0, [0, 0, 10, 10], 0.5)])
    assert (result.map50_95, result.map50) == (-1.0, -1.0)


def test_a_prediction_for_an_unknown_image_is_an_error():
    with pytest.raises(ValueError, match="image_id 5"):
        evaluate_coco(tiny_truth({1: [(0, [0, 0, 5, 5])]}), [det(5, 0, [0, 0, 5, 5], 0.5)])


def test_only_the_best_100_per_image_and_class_count(tmp_path):
    # 150 low-score false positives outrank nothing; but 120 decoys above the true box push it out.
    truth = tiny_truth({1: [(0, [10, 10, 50, 50])]})
    decoys = [det(1, 0, [300 + i, 300, 20, 20], 0.9 - i * 1e-4) for i in range(120)]
    results = [*decoys, det(1, 0, [10, 10, 50, 50], 0.1)]
    result = evaluate_coco(truth, results)
    assert result.map50 == 0.0 and result.classes[0].detections == MAX_DETS
    assert (result.map50_95, result.map50) == pytest.approx(reference(truth, results, tmp_path), abs=1e-12)


def test_equal_ious_and_thresholds_fall_as_in_pycocotools(tmp_path):
    # IoU exactly 0.5 and 0.75 (on the thresholds) and two ground truths equally good for one detection.
    truth = tiny_truth({1: [(0, [0, 0, 100, 100]), (0, [50, 0, 100, 100])], 2: [(1, [0, 0, 100, 100])]})
    results = [
        det(1, 0, [25, 0, 100, 100], 0.9),  # IoU 0.6 with both
        det(1, 0, [0, 0, 100, 50], 0.8),  # IoU 0.5 with the first
        det(2, 1, [0, 0, 100, 75], 0.7),  # IoU 0.75 exactly
    ]
    assert box_iou_xywh([[0, 0, 100, 50]], [[0, 0, 100, 100]])[0, 0] == 0.5
    ours = evaluate_coco(truth, results)
    assert (ours.map50_95, ours.map50) == pytest.approx(reference(truth, results, tmp_path), abs=1e-12)


def test_box_iou_matches_pycocotools_mask_iou():
    from pycocotools import mask

    rng = np.random.default_rng(3)
    dt = np.column_stack([rng.uniform(0, 100, (40, 2)), rng.uniform(0, 60, (40, 2))])
    gt = np.column_stack([rng.uniform(0, 100, (30, 2)), rng.uniform(0, 60, (30, 2))])
    theirs = mask.iou(dt.tolist(), gt.tolist(), [0] * len(gt))
    assert np.array_equal(box_iou_xywh(dt, gt), theirs)
