"""YOLOv5 output decoding, class-aware NMS and mapping boxes back to source pixels, in NumPy.

Input is the raw export output ``[1, N, 5 + nc]``: (cx, cy, w, h) in input pixels, objectness, class
probabilities. The steps follow YOLOv5's ``non_max_suppression`` (single label per box).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .letterbox import LetterboxInfo

# Boxes of different classes are shifted apart by class_id * MAX_WH so one NMS pass never suppresses
# across classes (YOLOv5's trick); must exceed any image side in pixels.
MAX_WH = 7680
MAX_NMS_CANDIDATES = 30000  # keep the NMS input bounded when a frame lights up everywhere
MAX_DETECTIONS = 300


@dataclass
class Detections:
    """Boxes ``[K, 4]`` as x1, y1, x2, y2 in source pixels, scores ``[K]``, class ids ``[K]``."""

    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)


def decode(output: np.ndarray, conf_threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates above the threshold: (xyxy boxes in input pixels, conf = obj * cls, best class)."""
    rows = output[0] if output.ndim == 3 else output
    rows = rows[rows[:, 4] > conf_threshold]  # objectness alone must already pass (cheap pre-filter)
    class_scores = rows[:, 5:] * rows[:, 4:5]
    class_ids = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(rows)), class_ids]
    keep = scores > conf_threshold
    rows, scores, class_ids = rows[keep], scores[keep], class_ids[keep]
    cx, cy, w, h = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    boxes = np.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), axis=1)
    return boxes, scores, class_ids


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression; indices of kept boxes, highest score first."""
    order = scores.argsort()[::-1]
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = (x2 - x1).clip(0) * (y2 - y1).clip(0)
        iou = inter / (areas[best] + areas[rest] - inter + 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def scale_boxes_to_source(boxes: np.ndarray, info: LetterboxInfo) -> np.ndarray:
    """Undo the letterbox and clip to the source image."""
    out = boxes.copy()
    out[:, [0, 2]] = (out[:, [0, 2]] - info.pad_x) / info.scale
    out[:, [1, 3]] = (out[:, [1, 3]] - info.pad_y) / info.scale
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, info.source_width)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, info.source_height)
    return out


def postprocess(
    output: np.ndarray, info: LetterboxInfo, conf_threshold: float = 0.25, iou_threshold: float = 0.45
) -> Detections:
    """Raw model output -> class-aware NMS'd detections in source pixels."""
    boxes, scores, class_ids = decode(output, conf_threshold)
    if len(scores) > MAX_NMS_CANDIDATES:
        top = scores.argsort()[::-1][:MAX_NMS_CANDIDATES]
        boxes, scores, class_ids = boxes[top], scores[top], class_ids[top]
    keep = nms(boxes + class_ids[:, None] * MAX_WH, scores, iou_threshold)[:MAX_DETECTIONS]
    return Detections(scale_boxes_to_source(boxes[keep], info), scores[keep], class_ids[keep])
