"""COCO box mAP in plain NumPy, with pycocotools' ``COCOeval`` semantics (iouType ``bbox``).

Inputs are what pycocotools reads: a ground-truth document (``images``, ``annotations`` with ``bbox``
[x, y, w, h], ``categories``) and a list of results (``image_id``, ``category_id``, ``bbox``, ``score``),
so both implementations can be run on the same files. What is computed, step by step:

- Every image of the ground truth and every category of it is evaluated (images without annotations
  included: their detections are false positives). Results for an image that is not in the ground truth
  are an error, as in pycocotools; results of a category that is not in it are not scored.
- Per image and category, detections are sorted by descending score (stable: input order on ties) and the
  first 100 kept (``maxDets`` 100). IoU is pycocotools' ``bbIou`` arithmetic on [x, y, w, h] boxes.
- At each IoU threshold 0.50, 0.55, ..., 0.95, detections in that order take the not yet matched
  ground-truth box with the highest IoU >= the threshold (the last of equal ones, as COCOeval's loop does).
- Per category, the detections of all images are ranked by score (stable, images in id order); precision
  is made non-increasing from the right and read at the 101 recall points 0, 0.01, ..., 1 (the first
  rank whose recall reaches the point; 0 beyond the highest recall). AP is their mean.
- Categories without ground-truth boxes take no part (pycocotools' -1). mAP50-95 is the mean AP over the
  remaining categories and all ten thresholds, mAP50 the mean at 0.50. No category with ground truth at
  all gives -1, as ``COCOeval.summarize`` does.

Only the area range "all" and ``maxDets`` 100 are computed (the two numbers reported); crowd annotations
(``iscrowd`` 1) are refused: YOLO labels have none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Exactly pycocotools' Params.setDetParams arrays, so the threshold floats are the same bits.
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
MAX_DETS = 100


@dataclass
class ClassAP:
    category_id: int
    ground_truth: int  # boxes of this class in the ground truth
    detections: int  # scored detections (after the per-image cut to MAX_DETS)
    ap50_95: float  # -1 when the class has no ground truth
    ap50: float


@dataclass
class CocoMap:
    map50_95: float
    map50: float
    classes: list[ClassAP] = field(default_factory=list)
    images: int = 0

    @property
    def scored_classes(self) -> list[ClassAP]:
        return [c for c in self.classes if c.ground_truth > 0]


def box_iou_xywh(dt: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU ``[len(dt), len(gt)]`` of [x, y, w, h] boxes, in the order of operations of pycocotools'
    ``bbIou`` (so the values are the same floats and threshold ties fall the same way)."""
    dt = np.asarray(dt, np.float64).reshape(-1, 4)
    gt = np.asarray(gt, np.float64).reshape(-1, 4)
    dx, dy, dw, dh = (dt[:, i][:, None] for i in range(4))
    gx, gy, gw, gh = (gt[:, i][None, :] for i in range(4))
    da = dw * dh
    ga = gw * gh
    w = np.minimum(dx + dw, gx + gw) - np.maximum(dx, gx)
    h = np.minimum(dy + dh, gy + gh) - np.maximum(dy, gy)
    inter = w * h
    union = da + ga - inter
    overlap = (w > 0) & (h > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(overlap, inter / np.where(overlap, union, 1.0), 0.0)
    return iou


def match_detections(ious: np.ndarray, thresholds: np.ndarray = IOU_THRESHOLDS) -> np.ndarray:
    """``[len(thresholds), D]`` bool: which of the score-ordered detections (rows of ``ious``) match a
    ground-truth box at each threshold, by COCOeval's greedy rule."""
    n_dt, n_gt = ious.shape
    matched = np.zeros((len(thresholds), n_dt), dtype=bool)
    if n_dt == 0 or n_gt == 0:
        return matched
    limits = np.minimum(thresholds, 1 - 1e-10)[:, None]
    taken = np.zeros((len(thresholds), n_gt), dtype=bool)
    rows = np.arange(len(thresholds))
    for d in range(n_dt):
        candidates = ~taken & (ious[d][None, :] >= limits)
        found = candidates.any(axis=1)
        if not found.any():
            continue
        masked = np.where(candidates, ious[d][None, :], -1.0)
        best = n_gt - 1 - np.argmax(masked[:, ::-1], axis=1)  # the last of equal maxima
        taken[rows[found], best[found]] = True
        matched[found, d] = True
    return matched


def precision_at_recalls(matched: np.ndarray, n_gt: int) -> np.ndarray:
    """``[T, R]`` interpolated precision of score-ranked matches ``[T, D]`` at RECALL_THRESHOLDS."""
    n_thr, n_dt = matched.shape
    out = np.zeros((n_thr, len(RECALL_THRESHOLDS)))
    if n_dt == 0:
        return out
    tp = np.cumsum(matched, axis=1).astype(float)
    fp = np.cumsum(~matched, axis=1).astype(float)
    for t in range(n_thr):
        recall = tp[t] / n_gt
        precision = tp[t] / (fp[t] + tp[t] + np.spacing(1))
        precision = np.maximum.accumulate(precision[::-1])[::-1]
        at = np.searchsorted(recall, RECALL_THRESHOLDS, side="left")
        inside = at < n_dt
        out[t, inside] = precision[at[inside]]
    return out


def evaluate_coco(
    ground_truth: dict,
    results: list[dict],
    progress: Callable[[int, int], None] | None = None,
) -> CocoMap:
    """mAP50-95 and mAP50 of ``results`` against ``ground_truth`` (both COCO documents, see above)."""
    image_ids = sorted(int(image["id"]) for image in ground_truth["images"])
    known_images = set(image_ids)
    category_ids = sorted(int(category["id"]) for category in ground_truth["categories"])

    gt_boxes: dict[tuple[int, int], list] = defaultdict(list)
    for ann in ground_truth["annotations"]:
        if ann.get("iscrowd", 0):
            raise ValueError(f"annotation {ann.get('id')}: crowd annotations are not supported")
        gt_boxes[(int(ann["image_id"]), int(ann["category_id"]))].append(ann["bbox"])
    dt_items: dict[tuple[int, int], list] = defaultdict(list)
    for result in results:
        image_id = int(result["image_id"])
        if image_id not in known_images:
            raise ValueError(f"a result names image_id {image_id}, which is not in the ground truth")
        dt_items[(image_id, int(result["category_id"]))].append((float(result["score"]), result["bbox"]))

    classes = []
    for k, category_id in enumerate(category_ids):
        scores, matches, n_gt, n_dt = [], [], 0, 0
        for image_id in image_ids:
            gts = gt_boxes.get((image_id, category_id), [])
            dts = dt_items.get((image_id, category_id), [])
            if not gts and not dts:
                continue
            n_gt += len(gts)
            order = np.argsort([-score for score, _ in dts], kind="mergesort")[:MAX_DETS]
            dt_scores = np.array([dts[i][0] for i in order], dtype=float)
            dt_xywh = np.array([dts[i][1] for i in order], dtype=float).reshape(-1, 4)
            matches.append(match_detections(box_iou_xywh(dt_xywh, np.array(gts, dtype=float))))
            scores.append(dt_scores)
            n_dt += len(order)
        if n_gt == 0:
            classes.append(ClassAP(category_id, 0, n_dt, -1.0, -1.0))
        else:
            all_scores = np.concatenate(scores)
            rank = np.argsort(-all_scores, kind="mergesort")
            ranked = np.concatenate(matches, axis=1)[:, rank]
            precision = precision_at_recalls(ranked, n_gt)
            classes.append(
                ClassAP(category_id, n_gt, n_dt, float(precision.mean()), float(precision[0].mean()))
            )
        if progress is not None:
            progress(k + 1, len(category_ids))

    scored = [c for c in classes if c.ground_truth > 0]
    if not scored:
        return CocoMap(-1.0, -1.0, classes, len(image_ids))
    map50_95 = float(np.mean([c.ap50_95 for c in scored]))
    map50 = float(np.mean([c.ap50 for c in scored]))
    return CocoMap(map50_95, map50, classes, len(image_ids))
