"""A folder of images with YOLO labels, read into COCO ground truth.

Layouts accepted for ``--data DIR`` (YOLOv5's own rule: a label sits where its image does, with
``images`` replaced by ``labels`` and the suffix by ``.txt``):

- ``DIR/images/**/<name>.jpg`` with ``DIR/labels/**/<name>.txt`` (coco128: ``images/train2017``);
- ``.../images/<sub>`` itself, labels in ``.../labels/<sub>``;
- images and ``.txt`` labels side by side in ``DIR``.

A label line is ``class cx cy w h``, normalised to the image size (a longer line is a polygon
``class x1 y1 x2 y2 ...``; its bounding box is used). An image without a label file is a background
image: it has no ground truth and every detection on it is a false positive, as in YOLOv5's val.
Class names come from the one ``*.names`` file in ``DIR`` (coco128: ``coco80.names``), else the model's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..assets import assets_dir, smartcamrt_home
from ..errors import ToolError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")  # the engine's image source
COCO128 = "coco128"


@dataclass
class LabelledImage:
    path: Path
    label: Path | None  # None: a background image
    image_id: int


@dataclass
class Dataset:
    name: str
    root: Path
    images: list[LabelledImage]  # in file-name order
    class_names: list[str]  # empty: take the model's
    id_rule: str  # how image_id was derived

    def subset(self, paths: list[Path]) -> Dataset:
        wanted = set(paths)
        return Dataset(
            self.name, self.root, [i for i in self.images if i.path in wanted], self.class_names, self.id_rule
        )


def default_data_dir() -> Path:
    """coco128 from the model cache, else from ``$SMARTCAMRT_ASSETS``."""
    roots = [smartcamrt_home() / COCO128]
    if assets_dir() is not None:
        roots.append(assets_dir() / COCO128)
    for root in roots:
        if (root / "images").is_dir():
            return root
    searched = ", ".join(str(r) for r in roots)
    raise ToolError(f"coco128 not found (looked in: {searched}); pass --data DIR or set SMARTCAMRT_ASSETS")


def _images_in(folder: Path, recursive: bool) -> list[Path]:
    pattern = folder.rglob("*") if recursive else folder.glob("*")
    return [p for p in pattern if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]


def _label_for(image: Path) -> Path:
    """YOLOv5's img2label_paths: the last ``images`` folder becomes ``labels``; else beside the image."""
    parts = list(image.parts)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return Path(*parts).with_suffix(".txt")
    return image.with_suffix(".txt")


def find_dataset(data: str | Path | None) -> Dataset:
    """The labelled images under ``data`` (default: coco128); one clear ToolError when there are none."""
    root = default_data_dir() if data is None else Path(data).expanduser()
    if not root.exists():
        raise ToolError(f"--data {root}: no such folder")
    if not root.is_dir():
        raise ToolError(f"--data {root}: not a folder (give a folder of images and YOLO labels)")
    root = root.resolve()
    if (root / "images").is_dir():
        images = _images_in(root / "images", recursive=True)
        where = f"{root / 'images'}"
    else:
        images = _images_in(root, recursive=False)
        where = str(root)
    if not images:
        raise ToolError(f"--data {root}: no images found in {where} ({', '.join(IMAGE_SUFFIXES)})")
    images.sort(key=lambda p: (p.name, str(p)))
    names = [p.name for p in images]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})[0]
        raise ToolError(f"--data {root}: two images are named {twice}; image names must be unique")
    labels = [_label_for(p) for p in images]
    if not any(label.is_file() for label in labels):
        raise ToolError(
            f"--data {root}: no YOLO labels found for its {len(images)} images (looked for "
            f"{labels[0]} and the like: labels/ beside images/, or .txt beside each image)"
        )
    stems = [p.stem for p in images]
    if all(s.isdigit() for s in stems) and len({int(s) for s in stems}) == len(stems):
        ids, rule = [int(s) for s in stems], "the number in the file name"
    else:
        ids, rule = list(range(1, len(images) + 1)), "position in name order, from 1"
    records = [
        LabelledImage(p, label if label.is_file() else None, i)
        for p, label, i in zip(images, labels, ids, strict=True)
    ]
    name_files = sorted(root.glob("*.names"))
    class_names = _read_names(name_files[0]) if len(name_files) == 1 else []
    name = COCO128 if root.name == COCO128 or COCO128 in root.parts else root.name
    return Dataset(name, root, records, class_names, rule)


def _read_names(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def read_labels(label: Path | None, width: int, height: int, num_classes: int) -> np.ndarray:
    """``[K, 5]``: class, x, y, w, h in source pixels (COCO's box convention)."""
    if label is None:
        return np.zeros((0, 5))
    rows = []
    for number, line in enumerate(label.read_text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            values = [float(f) for f in fields]
        except ValueError:
            raise ToolError(
                f"{label}:{number}: not a YOLO label line (class cx cy w h): {line.strip()!r}"
            ) from None
        cls = values[0]
        if len(values) == 5:
            cx, cy, w, h = values[1:]
        elif len(values) >= 7 and len(values) % 2 == 1:  # a polygon: its bounding box
            xs, ys = values[1::2], values[2::2]
            cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
            w, h = max(xs) - min(xs), max(ys) - min(ys)
        else:
            raise ToolError(f"{label}:{number}: expected 'class cx cy w h', found {len(values)} numbers")
        if cls != int(cls) or not 0 <= cls < num_classes:
            raise ToolError(
                f"{label}:{number}: class {fields[0]} is not one of the {num_classes} classes 0.."
            )
        rows.append((int(cls), (cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height))
    return np.array(rows, dtype=float).reshape(-1, 5)


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) as the engine decodes it (OpenCV, EXIF orientation applied)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ToolError(f"cannot decode image {path}")
    return image.shape[1], image.shape[0]


def ground_truth_document(dataset: Dataset, class_names: list[str]) -> dict:
    """The COCO ground-truth document of ``dataset``: images, annotations (ids from 1), categories."""
    images, annotations = [], []
    for record in dataset.images:
        width, height = image_size(record.path)
        images.append(
            {"id": record.image_id, "file_name": record.path.name, "width": width, "height": height}
        )
        for cls, x, y, w, h in read_labels(record.label, width, height, len(class_names)):
            annotations.append(
                {
                    "id": len(annotations) + 1,  # COCOeval takes id 0 for "unmatched"
                    "image_id": record.image_id,
                    "category_id": int(cls),
                    "bbox": [round(x, 3), round(y, 3), round(w, 3), round(h, 3)],
                    "area": round(w * h, 3),
                    "iscrowd": 0,
                }
            )
    categories = [{"id": i, "name": name} for i, name in enumerate(class_names)]
    return {
        "info": {"description": f"{dataset.name} ground truth from YOLO labels", "image_id": dataset.id_rule},
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
