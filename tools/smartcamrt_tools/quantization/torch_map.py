"""COCO mAP of an in-memory PyTorch model (float, PT2E-quantized or in QAT) on a split of coco128.

The same pieces as ``smartcamrt eval``'s Python reference -- the project's letterbox, the NumPy decode + NMS
at YOLOv5's val settings, :func:`~smartcamrt_tools.evaluation.coco_map.evaluate_coco` -- but on a module
rather than a file, so that the sensitivity analysis and QAT can score dozens of variants without writing
an artifact for each. Images are decoded and letterboxed once (:class:`SplitData`) and reused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..errors import ToolError
from ..evaluation.coco_map import evaluate_coco
from ..evaluation.dataset import Dataset, find_dataset, ground_truth_document
from ..evaluation.evaluate import coco_results
from ..evaluation.predict import CONF_THRESHOLD, MAX_DET, NMS_IOU, ImageDetections, Predictions
from ..evaluation.split import split_images
from ..vision.letterbox import LetterboxInfo, preprocess
from ..vision.yolo_postprocess import postprocess


@dataclass
class SplitData:
    dataset: Dataset
    batches: list[np.ndarray]  # [1, 3, H, W] float32, letterboxed
    infos: list[LetterboxInfo]
    ground_truth: dict
    split: str

    def __len__(self) -> int:
        return len(self.batches)


def load_split(split: str, input_hw: tuple[int, int], data: str | None = None) -> SplitData:
    dataset = find_dataset(data)
    dataset = dataset.subset(split_images([i.path for i in dataset.images], split))
    if not dataset.class_names:
        raise ToolError(f"{dataset.root}: no class names (.names file)")
    batches, infos = [], []
    for record in dataset.images:
        image = cv2.imread(str(record.path), cv2.IMREAD_COLOR)
        if image is None:
            raise ToolError(f"cannot decode image {record.path}")
        batch, info = preprocess(image, input_hw)
        batches.append(batch)
        infos.append(info)
    return SplitData(dataset, batches, infos, ground_truth_document(dataset, dataset.class_names), split)


def model_map(
    model: torch.nn.Module | Callable[[torch.Tensor], torch.Tensor],
    data: SplitData,
    progress: Callable[[int], None] | None = None,
) -> tuple[float, float]:
    """(mAP50-95, mAP50) of ``model`` on ``data``."""
    per_image = []
    with torch.no_grad():
        for batch, info in zip(data.batches, data.infos, strict=True):
            output = model(torch.from_numpy(batch))
            detections = postprocess(np.asarray(output.detach().numpy()), info, CONF_THRESHOLD, NMS_IOU)
            keep = slice(0, MAX_DET)
            per_image.append(
                ImageDetections(
                    detections.boxes[keep].astype(float),
                    detections.scores[keep].astype(float),
                    detections.class_ids[keep].astype(int),
                )
            )
            if progress is not None:
                progress(1)
    predictions = Predictions(per_image, "torch", "python", "", "", 0.0)
    results = coco_results(predictions, [i.image_id for i in data.dataset.images])
    scores = evaluate_coco(data.ground_truth, results)
    return scores.map50_95, scores.map50
