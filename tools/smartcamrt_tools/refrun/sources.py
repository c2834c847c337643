"""Frame sources for the reference loop: a video file, a camera index, an image file or a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ToolError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


@dataclass
class Frame:
    index: int  # source frame index, 0-based
    image: np.ndarray  # BGR, HxWx3 uint8
    name: str | None = None  # file name for image sources (annotated/<name>)


def _open_capture(target: int | str) -> cv2.VideoCapture:
    """cv2.VideoCapture without OpenCV's own warnings on failure: the caller reports one clear line."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        return cv2.VideoCapture(target)
    finally:
        cv2.utils.logging.setLogLevel(level)


class VideoSource:
    """A video file or a camera, through cv2.VideoCapture."""

    def __init__(self, spec: str, camera: bool) -> None:
        self.kind = "camera" if camera else "video"
        self.spec = spec
        self._capture = _open_capture(int(spec) if camera else spec)
        if not self._capture.isOpened():
            what = f"camera {spec}" if camera else f"video {spec}"
            raise ToolError(f"cannot open {what} (not a readable video/camera for OpenCV)")
        self.width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else None
        self._next_index = 0

    def read(self) -> Frame | None:
        ok, image = self._capture.read()
        if not ok:
            return None
        frame = Frame(self._next_index, image)
        self._next_index += 1
        return frame

    def skip(self) -> bool:
        """Advance past one frame without converting it (a dropped frame)."""
        ok = self._capture.grab()
        if ok:
            self._next_index += 1
        return ok

    def close(self) -> None:
        self._capture.release()


class ImageSource:
    """One image file or every image in a folder (sorted by name)."""

    fps = None  # still images have no frame rate: real-time pacing does not apply

    def __init__(self, paths: list[Path], kind: str, spec: str) -> None:
        if not paths:
            raise ToolError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {spec}")
        self.kind = kind
        self.spec = spec
        self._paths = paths
        self._next_index = 0
        first = self._load(paths[0])
        self.height, self.width = first.shape[:2]

    @staticmethod
    def _load(path: Path) -> np.ndarray:
        image = cv2.imread(str(path))
        if image is None:
            raise ToolError(f"cannot decode image {path}")
        return image

    def read(self) -> Frame | None:
        if self._next_index >= len(self._paths):
            return None
        path = self._paths[self._next_index]
        frame = Frame(self._next_index, self._load(path), path.name)
        self._next_index += 1
        return frame

    def close(self) -> None:
        pass


def open_source(spec: str) -> VideoSource | ImageSource:
    """Open ``spec``: a digit string is a camera index, else a folder, an image, or a video file."""
    if spec.isdigit():
        return VideoSource(spec, camera=True)
    path = Path(spec).expanduser()
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return ImageSource(images, "folder", spec)
    if not path.is_file():
        raise ToolError(f"source not found: {spec}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path], "image", spec)
    return VideoSource(str(path), camera=False)
