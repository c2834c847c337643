"""Drawing detections onto frames for the annotated outputs of a run."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .yolo_postprocess import Detections


def class_colour(class_id: int) -> tuple[int, int, int]:
    """A stable, distinct BGR colour per class (golden-ratio hue steps)."""
    hue = int((class_id * 0.618033988749895 % 1.0) * 179)
    bgr = cv2.cvtColor(np.uint8([[[hue, 200, 255]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return int(bgr[0]), int(bgr[1]), int(bgr[2])


def draw_detections(image: np.ndarray, detections: Detections, labels: Sequence[str]) -> np.ndarray:
    """Boxes and "label score" captions, drawn on a copy of ``image``."""
    canvas = image.copy()
    for box, score, class_id in zip(detections.boxes, detections.scores, detections.class_ids, strict=True):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        colour = class_colour(int(class_id))
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, 2)
        caption = f"{labels[class_id] if class_id < len(labels) else class_id} {score:.2f}"
        cv2.putText(
            canvas, caption, (x1, max(y1 - 4, 12)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA
        )
    return canvas
