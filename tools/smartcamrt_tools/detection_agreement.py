"""Detection agreement: mAP@0.5 of a prepared model's detections scored against its source model's.

The source model's detections (same letterbox, decode and NMS) are treated as the ground truth and the
candidate's as predictions, so the value says how much of what the source model finds the prepared model
still finds, ranked by its own scores. 1.0 means every reference box is found, with no false positive
ranked above any true one.

The metric, written out so it can be checked by hand:

- Per class, over all images: candidate boxes are taken in descending score (stable order on ties). Each
  is matched to the not-yet-matched reference box of the same image and class with the highest IoU, if
  that IoU is >= 0.5 (COCO's greedy rule); a match is a true positive, anything else a false positive
  (wrong class, wrong place, or a duplicate of an already matched box).
- AP is the area under the precision-recall curve with VOC all-point interpolation (precision made
  monotonically non-increasing, then summed over every recall step) -- not COCO's 101-point sampling,
  so hand-computed cases come out exact: finding 1 of 2 boxes with no false positive gives AP 0.5.
- mAP50 is the mean AP over the classes present in the reference. Candidate boxes of classes absent from
  the reference do not enter any AP (as in COCO); they are counted in ``extra_class_boxes``.
- Edge cases: no reference boxes at all and no candidate boxes -> 1.0 (complete agreement);
  no reference boxes but some candidate boxes -> 0.0.

Reference scores are not used: the reference is ground truth. Plain NumPy, no pycocotools.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .assets import assets_dir, smartcamrt_home
from .errors import ToolError
from .vision.letterbox import preprocess
from .vision.yolo_postprocess import Detections, postprocess

IOU_MATCH = 0.5
CONF_THRESHOLD = 0.25  # the engine's and the reference loop's defaults
NMS_IOU = 0.45
COCO128_IMAGES = Path("coco128") / "images" / "train2017"
COCO128_COUNT = 128
METRIC = "mAP50 vs pytorch"

# Same contract as validate.Runner (NCHW float32 batch -> raw output); not imported, to keep this module
# free of a cycle with validate.py.
Runner = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------------------------- metric


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix ``[len(a), len(b)]`` of xyxy boxes."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = (x2 - x1).clip(0) * (y2 - y1).clip(0)
    area_a = (a[:, 2] - a[:, 0]).clip(0) * (a[:, 3] - a[:, 1]).clip(0)
    area_b = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def average_precision(tp: np.ndarray, n_reference: int) -> float:
    """VOC all-point AP from true-positive flags in descending-score order and the reference box count."""
    if n_reference == 0:
        raise ValueError("AP is undefined without reference boxes")
    tp = np.asarray(tp, dtype=np.float64)
    if tp.size == 0:
        return 0.0
    tp_cum = np.cumsum(tp)
    recall = tp_cum / n_reference
    precision = tp_cum / np.arange(1, tp.size + 1)
    # Envelope: precision at recall r = the best precision at any recall >= r.
    recall = np.concatenate(([0.0], recall))
    precision = np.concatenate(([0.0], precision))
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


@dataclass
class MapResult:
    value: float  # mAP50 over the reference's classes
    per_class: dict[int, float]  # class id -> AP50
    reference_boxes: int
    candidate_boxes: int
    extra_class_boxes: int  # candidate boxes of classes the reference never has


def map50(
    reference: Sequence[Detections], candidate: Sequence[Detections], iou_threshold: float = IOU_MATCH
) -> MapResult:
    """mAP@``iou_threshold`` of ``candidate`` scored against ``reference`` as ground truth (per image)."""
    if len(reference) != len(candidate):
        raise ValueError(f"{len(reference)} reference images but {len(candidate)} candidate images")
    ref_classes = sorted({int(c) for det in reference for c in np.asarray(det.class_ids)})
    n_ref = sum(len(det) for det in reference)
    n_cand = sum(len(det) for det in candidate)
    extra = sum(int(np.isin(det.class_ids, ref_classes, invert=True).sum()) for det in candidate)
    if not ref_classes:
        return MapResult(1.0 if n_cand == 0 else 0.0, {}, 0, n_cand, extra)

    per_class = {}
    for cls in ref_classes:
        # Every candidate box of this class over all images: (score, image index, box).
        scores, images, boxes = [], [], []
        for index, det in enumerate(candidate):
            mine = np.asarray(det.class_ids) == cls
            scores.append(np.asarray(det.scores, np.float64)[mine])
            images.append(np.full(int(mine.sum()), index))
            boxes.append(np.asarray(det.boxes, np.float64).reshape(-1, 4)[mine])
        scores, images, boxes = np.concatenate(scores), np.concatenate(images), np.concatenate(boxes)
        order = np.argsort(-scores, kind="stable")
        truth = [
            np.asarray(det.boxes, np.float64).reshape(-1, 4)[np.asarray(det.class_ids) == cls]
            for det in reference
        ]
        taken = [np.zeros(len(t), dtype=bool) for t in truth]
        tp = np.zeros(len(order))
        for rank, i in enumerate(order):
            image = images[i]
            if not len(truth[image]):
                continue
            iou = box_iou(boxes[i], truth[image])[0]
            iou[taken[image]] = -1.0
            best = int(iou.argmax())
            if iou[best] >= iou_threshold:
                taken[image][best] = True
                tp[rank] = 1.0
        per_class[cls] = average_precision(tp, sum(len(t) for t in truth))
    return MapResult(float(np.mean(list(per_class.values()))), per_class, n_ref, n_cand, extra)


# ------------------------------------------------------------------------------------- on real images


def coco128_images(limit: int | None = None) -> list[Path]:
    """The coco128 training images in name order (first ``limit`` of them), from the model cache or
    ``$SMARTCAMRT_ASSETS``; never downloaded."""
    roots = [smartcamrt_home() / COCO128_IMAGES]
    if assets_dir() is not None:
        roots.append(assets_dir() / COCO128_IMAGES)
    for root in roots:
        images = sorted(root.glob("*.jpg"))
        if images:
            if limit is not None:
                if limit <= 0:
                    raise ToolError(f"the detection agreement needs at least one image, got {limit}")
                images = images[:limit]
            return images
    searched = ", ".join(str(r) for r in roots)
    raise ToolError(
        f"coco128 images not found (looked in: {searched}); put coco128/images/train2017/*.jpg "
        "into $SMARTCAMRT_ASSETS (see the shared assets' MANIFEST.md)"
    )


@dataclass
class DetectionAgreement:
    """The manifest's ``parity.detection_agreement`` record."""

    metric: str
    images: int
    value: float
    min: float
    passed: bool
    reference_boxes: int = 0
    candidate_boxes: int = 0
    conf_threshold: float = CONF_THRESHOLD
    iou_threshold: float = NMS_IOU


def check_detection_agreement(
    reference: Runner,
    candidate: Runner,
    images: Sequence[Path],
    input_hw: tuple[int, int],
    min_map50: float,
    conf_threshold: float = CONF_THRESHOLD,
    iou_threshold: float = NMS_IOU,
) -> DetectionAgreement:
    """Run both models over ``images`` (same letterbox, decode and NMS) and score candidate vs reference.

    Images are processed one at a time, so memory stays flat however many there are.
    """
    ref_dets, cand_dets = [], []
    for path in images:
        image = cv2.imread(str(path))
        if image is None:
            raise ToolError(f"cannot decode image {path}")
        batch, info = preprocess(image, input_hw)
        ref_dets.append(postprocess(reference(batch), info, conf_threshold, iou_threshold))
        cand_dets.append(postprocess(candidate(batch), info, conf_threshold, iou_threshold))
    result = map50(ref_dets, cand_dets)
    return DetectionAgreement(
        metric=METRIC,
        images=len(ref_dets),
        value=result.value,
        min=min_map50,
        passed=bool(np.isfinite(result.value) and result.value >= min_map50),
        reference_boxes=result.reference_boxes,
        candidate_boxes=result.candidate_boxes,
        conf_threshold=conf_threshold,
        iou_threshold=iou_threshold,
    )


def describe_agreement(agreement: DetectionAgreement) -> str:
    """One line for the console."""
    verdict = "passed" if agreement.passed else "FAILED"
    return (
        f"detection agreement on {agreement.images} coco128 images: mAP50 {agreement.value:.3f} "
        f"(min {agreement.min:g}): {verdict}"
    )
