"""Accuracy on ground truth: the fixed coco128 split, COCO mAP in NumPy, and ``smartcamrt eval``.

Calibration and fine-tuning take their images from :func:`train_images` / :func:`calibration_images`
only; :func:`eval_images` are the ones that judge (see :mod:`.split`).
"""

from .coco_map import CocoMap, evaluate_coco
from .split import SPLITS, calibration_images, eval_images, split_images, train_images

__all__ = [
    "SPLITS",
    "CocoMap",
    "calibration_images",
    "eval_images",
    "evaluate_coco",
    "split_images",
    "train_images",
]
