"""Letterbox preprocessing for YOLOv5: resize keeping the aspect ratio, pad to the input size.

The rules match YOLOv5's ``letterbox(auto=False)`` and are what the C++ engine implements too:
scale r = min(H/h, W/w); resized size = round(w*r) x round(h*r) (INTER_LINEAR); the padding is split
evenly, with ``round(pad/2 -/+ 0.1)`` deciding which side gets the odd pixel; pad value 114.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PAD_VALUE = 114


@dataclass(frozen=True)
class LetterboxInfo:
    """How source pixels map into the model input: input = source * scale + (pad_x, pad_y)."""

    scale: float
    pad_x: float
    pad_y: float
    source_width: int
    source_height: int


def letterbox(image_bgr: np.ndarray, input_hw: tuple[int, int]) -> tuple[np.ndarray, LetterboxInfo]:
    """Return the padded BGR image of size ``input_hw`` and the mapping back to the source."""
    height, width = image_bgr.shape[:2]
    target_h, target_w = input_hw
    scale = min(target_h / height, target_w / width)
    new_w, new_h = round(width * scale), round(height * scale)
    dw, dh = (target_w - new_w) / 2, (target_h - new_h) / 2
    resized = image_bgr
    if (new_w, new_h) != (width, height):
        resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    padded = cv2.copyMakeBorder(
        resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE, PAD_VALUE, PAD_VALUE)
    )
    return padded, LetterboxInfo(scale, left, top, width, height)


def to_input_tensor(letterboxed_bgr: np.ndarray) -> np.ndarray:
    """BGR HWC uint8 -> RGB NCHW float32 in [0, 1], batch of one."""
    rgb = cv2.cvtColor(letterboxed_bgr, cv2.COLOR_BGR2RGB)
    chw = rgb.transpose(2, 0, 1).astype(np.float32) / 255.0
    return np.ascontiguousarray(chw[np.newaxis])


def preprocess(image_bgr: np.ndarray, input_hw: tuple[int, int]) -> tuple[np.ndarray, LetterboxInfo]:
    """Letterbox + colour + layout: the model-ready tensor and the letterbox mapping."""
    padded, info = letterbox(image_bgr, input_hw)
    return to_input_tensor(padded), info
