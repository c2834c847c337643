"""The fixed split of a labelled image folder (coco128 above all) into evaluation and training halves.

Written down once, here, and used by everything that needs it:

- **eval**: the first half of the images in file-name order. On coco128 (128 images) that is the 64 images
  ``000000000009.jpg`` .. ``000000000368.jpg``. ``smartcamrt eval`` scores these by default.
- **train**: the other half, ``000000000370.jpg`` .. ``000000000650.jpg`` on coco128. Int8 calibration,
  quantisation-aware training, pruning fine-tunes and distillation take their images from here only
  (:func:`train_images`, :func:`calibration_images`), so no image that judges a compressed model was used
  to make it.
- **all**: every image (then the evaluation images overlap any calibration: say so when you use it).

Why contiguous halves by name rather than every other image: coco128 is the first 128 images of COCO
train2017 in id order, and COCO ids carry no order of scene or class, so neither half is favoured; and the
halves are what the existing helpers already take from the two ends: the detection agreement of an export
scores the *first* N images and int8 calibration (``quantization/calibration.py``) fits its ranges on the
*last* N (64 by default) -- which is exactly the train half.

A rule over sorted names needs no list of file names to keep in sync, and a folder of any size gets the same
treatment (``n // 2`` evaluation images).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import ToolError

SPLITS = ("eval", "train", "all")
DEFAULT_SPLIT = "eval"
# coco128 as shipped: the boundary, so that a test can prove the split never moves.
COCO128_IMAGES = 128
COCO128_EVAL_FIRST = "000000000009.jpg"
COCO128_EVAL_LAST = "000000000368.jpg"
COCO128_TRAIN_FIRST = "000000000370.jpg"


def eval_count(total: int) -> int:
    """How many of ``total`` images (in name order, from the first) form the evaluation half."""
    return total // 2


def split_images(images: Sequence[Path], split: str) -> list[Path]:
    """The images of ``split`` (``eval``, ``train`` or ``all``), in file-name order."""
    if split not in SPLITS:
        raise ToolError(f"unknown split '{split}': choose one of {', '.join(SPLITS)}")
    ordered = sorted(images, key=lambda path: path.name)
    cut = eval_count(len(ordered))
    if split == "eval":
        return ordered[:cut]
    if split == "train":
        return ordered[cut:]
    return ordered


def describe_split(split: str, total: int) -> str:
    """One phrase naming the split and its size, for manifests and tables."""
    cut = eval_count(total)
    if split == "eval":
        return f"eval: first {cut} of {total} images by name"
    if split == "train":
        return f"train: last {total - cut} of {total} images by name"
    return f"all: {total} images"


def coco128_images() -> list[Path]:
    # Imported here: detection_agreement imports cv2 and the vision modules, not needed by the rule above.
    from ..detection_agreement import coco128_images as every_coco128_image

    return every_coco128_image()


def eval_images() -> list[Path]:
    """coco128's evaluation half (64 images): never calibrate or fine-tune on these."""
    return split_images(coco128_images(), "eval")


def train_images() -> list[Path]:
    """coco128's training half (64 images): the only images calibration and fine-tuning may use."""
    return split_images(coco128_images(), "train")


def calibration_images(count: int) -> list[Path]:
    """The last ``count`` images of coco128's training half (the same images as the last ``count`` of
    coco128 for ``count`` <= 64); more than the half holds is refused rather than taken from eval."""
    train = train_images()
    if count < 1:
        raise ToolError(f"calibration needs at least one image, got {count}")
    if count > len(train):
        raise ToolError(
            f"{count} calibration images asked for, but coco128's training split has {len(train)} "
            f"(the other {len(coco128_images()) - len(train)} are the evaluation split)"
        )
    return train[len(train) - count :]
