"""Unlabelled images for distillation: video frames plus coco128's *train* split, never its eval split.

Distillation needs the teacher's outputs, not labels, so any image widens the 64 labelled training
images. Here: every ``step``-th frame of each video in ``$SMARTCAMRT_ASSETS/video`` (vtest.avi, 795
frames; one-by-one-person-detection.mp4) and the training split's images, letterboxed exactly as the
engine does (pad 114), RGB uint8 ``[N, 3, S, S]``. The video frames are decoded once and cached as one
``.npy`` under ``$SMARTCAMRT_HOME/compression/`` (keyed by the videos' names, sizes, ``step`` and the size).

:func:`distillation_sources` is the one place that decides which coco128 files are read: the training
split only, checked against the evaluation split so that a change to the split cannot leak them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import torch

from ..assets import assets_dir, smartcamrt_home
from ..errors import ToolError
from ..evaluation.dataset import find_dataset
from ..evaluation.split import split_images
from ..vision.letterbox import letterbox


def distillation_sources(data: str | Path | None = None) -> list[Path]:
    """The labelled folder's training-split images (default coco128); never one of its eval images."""
    dataset = find_dataset(data)
    paths = [r.path for r in dataset.images]
    train, held_out = split_images(paths, "train"), set(split_images(paths, "eval"))
    leaked = [p.name for p in train if p in held_out]
    if leaked:  # the split is meant to be disjoint; a fine-tune must never see an evaluation image
        raise ToolError(f"evaluation images in the distillation set: {', '.join(leaked[:3])}")
    return train


def _letterboxed_rgb(bgr: np.ndarray, imgsz: int) -> np.ndarray:
    padded, _ = letterbox(bgr, (imgsz, imgsz))
    return cv2.cvtColor(padded, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)


def video_files(folder: Path | None = None) -> list[Path]:
    root = folder if folder is not None else (assets_dir() / "video" if assets_dir() else None)
    videos = sorted(p for p in root.iterdir() if p.suffix.lower() in (".avi", ".mp4")) if root else []
    if not videos:
        raise ToolError(f"no videos (.avi, .mp4) in {root or '$SMARTCAMRT_ASSETS/video'}")
    return videos


def decode_frames(videos: list[Path], imgsz: int, step: int) -> np.ndarray:
    """Every ``step``-th frame of each video, letterboxed RGB ``[N, 3, S, S]`` uint8."""
    if step < 1:
        raise ToolError(f"frame step must be >= 1, got {step}")
    frames = []
    for video in videos:
        capture = cv2.VideoCapture(str(video))
        if not capture.isOpened():
            raise ToolError(f"cannot open video {video}")
        index = 0
        while True:
            ok, frame = capture.read()  # sequential reads: seeking is slow and inexact in these codecs
            if not ok:
                break
            if index % step == 0:
                frames.append(_letterboxed_rgb(frame, imgsz))
            index += 1
        capture.release()
    if not frames:
        raise ToolError(f"no frames decoded from {', '.join(v.name for v in videos)}")
    return np.stack(frames)


def cached_video_frames(imgsz: int, step: int = 2, videos: list[Path] | None = None) -> np.ndarray:
    videos = videos if videos is not None else video_files()
    key = hashlib.sha256(
        repr([(v.name, v.stat().st_size) for v in videos] + [step, imgsz]).encode()
    ).hexdigest()[:16]
    cache = smartcamrt_home() / "compression" / f"frames-{imgsz}-s{step}-{key}.npy"
    if cache.is_file():
        return np.load(cache)
    frames = decode_frames(videos, imgsz, step)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npy")
    np.save(tmp, frames)
    tmp.replace(cache)
    return frames


def load_distillation_images(
    imgsz: int, step: int = 2, data: str | Path | None = None, videos: list[Path] | None = None
) -> torch.Tensor:
    """Video frames (cached) + the training split, letterboxed RGB uint8 ``[N, 3, S, S]``."""
    images = [cached_video_frames(imgsz, step, videos)]
    for path in distillation_sources(data):
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ToolError(f"cannot decode image {path}")
        images.append(_letterboxed_rgb(bgr, imgsz)[None])
    return torch.from_numpy(np.concatenate(images))
