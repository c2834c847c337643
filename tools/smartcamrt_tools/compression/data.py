"""Training data for the fine-tunes: coco128's *train* split, letterboxed, with YOLO labels.

Only :func:`smartcamrt_tools.evaluation.split.train_images` (or the ``train`` half of another labelled
folder) is read here: the evaluation images never reach a fine-tune. Images are letterboxed once, exactly
as the engine does at inference (:func:`~smartcamrt_tools.vision.letterbox.letterbox`, pad 114), and kept in
memory (64 images at 416: 33 MB). The only augmentation is a horizontal flip with probability 0.5, drawn
from the loader's own seeded generator, so a run is repeatable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from ..errors import ToolError
from ..evaluation.dataset import find_dataset, read_labels
from ..evaluation.split import split_images
from ..vision.letterbox import letterbox

COCO_CLASSES = 80


@dataclass
class TrainSet:
    """Letterboxed RGB images ``[N, 3, S, S]`` uint8 and their labels ``[T, 6]`` (image, class, cx, cy,
    w, h normalised to the input)."""

    images: torch.Tensor
    labels: torch.Tensor
    paths: list[Path]
    imgsz: int
    sha256: str  # of the file names and label files: part of every cache key

    def __len__(self) -> int:
        return self.images.shape[0]

    def batches(self, batch_size: int, generator: torch.Generator, flip: bool = True) -> Iterator:
        """One epoch of ``(images float [B, 3, S, S] in [0, 1], targets [T, 6])`` in a seeded order."""
        order = torch.randperm(len(self), generator=generator)
        for start in range(0, len(self), batch_size):
            index = order[start : start + batch_size]
            images = self.images[index].float() / 255.0
            rows = []
            for position, image_index in enumerate(index.tolist()):
                labels = self.labels[self.labels[:, 0] == image_index].clone()
                labels[:, 0] = position
                if flip and torch.rand((), generator=generator) < 0.5:
                    images[position] = images[position].flip(-1)
                    labels[:, 2] = 1.0 - labels[:, 2]
                rows.append(labels)
            yield images, torch.cat(rows) if rows else torch.zeros((0, 6))


def load_train_set(imgsz: int, data: str | Path | None = None, limit: int | None = None) -> TrainSet:
    """The train half of ``data`` (default coco128: its 64 training images), letterboxed to ``imgsz``."""
    dataset = find_dataset(data)
    wanted = {p.name for p in split_images([r.path for r in dataset.images], "train")}
    records = [r for r in dataset.images if r.path.name in wanted][:limit]
    if not records:
        raise ToolError(f"{dataset.root}: no training images")
    digest = hashlib.sha256()
    images, labels = [], []
    for index, record in enumerate(records):
        bgr = cv2.imread(str(record.path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ToolError(f"cannot decode image {record.path}")
        height, width = bgr.shape[:2]
        padded, info = letterbox(bgr, (imgsz, imgsz))
        images.append(cv2.cvtColor(padded, cv2.COLOR_BGR2RGB).transpose(2, 0, 1))
        digest.update(record.path.name.encode())
        if record.label is not None:
            digest.update(record.label.read_bytes())
        boxes = read_labels(record.label, width, height, COCO_CLASSES)  # class, x, y, w, h source px
        for cls, x, y, w, h in boxes:
            cx = (x + w / 2) * info.scale + info.pad_x
            cy = (y + h / 2) * info.scale + info.pad_y
            labels.append(
                (index, cls, cx / imgsz, cy / imgsz, w * info.scale / imgsz, h * info.scale / imgsz)
            )
    return TrainSet(
        images=torch.from_numpy(np.stack(images)),
        labels=torch.tensor(labels, dtype=torch.float32).reshape(-1, 6),
        paths=[r.path for r in records],
        imgsz=imgsz,
        sha256=digest.hexdigest(),
    )
