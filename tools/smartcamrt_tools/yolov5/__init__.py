"""YOLOv5 rebuilt in project code from a checkpoint's architecture config (no yolov5 repo needed)."""

from .model import DetectionModel, build_from_checkpoint

__all__ = ["DetectionModel", "build_from_checkpoint"]
