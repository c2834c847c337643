"""Detections for the evaluation: through the C++ engine, or the Python reference where it cannot run.

The engine path runs ``smartcamrt run`` over a temporary folder of symlinks to the images, named
``000000.jpg``, ``000001.jpg``, ... in evaluation order, so the ``frame`` of each detections.jsonl line
(the index in the engine's sorted image list) is the index into our list, whatever the file names.
Settings are YOLOv5's val: confidence 0.001, NMS IoU 0.6, at most 300 detections per image.

The Python reference (letterbox, the export runner of the model's format, NumPy decode + NMS) is used when
the engine binary is missing, when no engine backend that is available here reads the model's file type,
or when asked for with ``--runtime python``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ToolError

CONF_THRESHOLD = 0.001
NMS_IOU = 0.6
MAX_DET = 300
PYTHON_RUNTIME = "python"

Progress = Callable[[int, int], None]


@dataclass
class ImageDetections:
    """Boxes ``[K, 4]`` x1, y1, x2, y2 in source pixels, scores ``[K]``, class ids ``[K]``."""

    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray


@dataclass
class Predictions:
    per_image: list[ImageDetections]  # in the order of the images given
    engine: str  # what produced them, in words: "smartcamrt run (ort 1.30.0)"
    runtime: str  # engine backend name, or "python"
    input: str  # "320x320"
    reason: str = ""  # why the Python reference was used
    seconds: float = 0.0


@dataclass
class EngineChoice:
    use_engine: bool
    binary: str | None
    runtime: str | None  # engine backend (None: the engine's own choice by suffix)
    version: str
    reason: str = ""


def choose_engine(model: Path, runtime: str | None) -> EngineChoice:
    """Engine or Python reference, and why; an engine backend asked for by name must be usable."""
    from ..benchmark.engine import available_runtimes, engine_binary, info

    if runtime == PYTHON_RUNTIME:
        return EngineChoice(False, None, None, "", "asked for with --runtime python")
    try:
        binary = engine_binary()
        backends = available_runtimes(info())
    except (ToolError, OSError, ValueError) as exc:  # no binary, one that cannot start, or bad JSON
        if runtime is not None:
            raise ToolError(f"--runtime {runtime} needs the C++ engine: {exc}") from None
        return EngineChoice(False, None, None, "", f"the C++ engine is not usable here ({exc})")
    if runtime is not None:
        backend = backends.get(runtime)
        if backend is None:
            raise ToolError(
                f"--runtime {runtime}: unknown; the engine has {', '.join(sorted(backends))}, "
                f"or '{PYTHON_RUNTIME}' for the Python reference"
            )
        if not backend.get("available"):
            raise ToolError(
                f"--runtime {runtime} is unavailable here: {backend.get('reason') or 'no reason given'}"
            )
        return EngineChoice(True, binary, runtime, str(backend.get("version", "")))
    name = model.name.lower()
    readers = [b for b in backends.values() if any(name.endswith(s) for s in b.get("suffixes", []))]
    usable = [b for b in readers if b.get("available")]
    if usable:
        return EngineChoice(True, binary, None, str(usable[0].get("version", "")))
    if readers:
        why = "; ".join(f"{b['name']}: {b.get('reason') or 'unavailable'}" for b in readers)
        return EngineChoice(
            False, binary, None, "", f"the engine's backend for {model.suffix} is unavailable ({why})"
        )
    return EngineChoice(False, binary, None, "", f"no engine backend reads {model.suffix} files")


def engine_predictions(
    model: Path, images: list[Path], choice: EngineChoice, progress: Progress | None = None
) -> Predictions:
    """Run ``smartcamrt run`` over ``images`` and read back one :class:`ImageDetections` per image."""
    assert choice.binary is not None
    with tempfile.TemporaryDirectory(prefix="smartcamrt-eval-") as tmp:
        source, out = Path(tmp) / "images", Path(tmp) / "run"
        source.mkdir()
        for index, image in enumerate(images):
            (source / f"{index:06d}{image.suffix.lower()}").symlink_to(image.resolve())
        command = [
            choice.binary,
            "run",
            "--model",
            str(model),
            "--source",
            str(source),
            "--no-save",
            "--no-telemetry",
            "--quiet",
            "--conf",
            str(CONF_THRESHOLD),
            "--iou",
            str(NMS_IOU),
            "--max-det",
            str(MAX_DET),
            "--out",
            str(out),
        ]
        if choice.runtime:
            command += ["--runtime", choice.runtime]
        start = time.perf_counter()
        lines_file = out / "detections.jsonl"
        with tempfile.TemporaryFile(mode="w+") as stdout, tempfile.TemporaryFile(mode="w+") as stderr:
            process = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True)
            try:
                while process.poll() is None:
                    if progress is not None:
                        progress(min(_count_lines(lines_file), len(images)), len(images))
                    time.sleep(0.2)
            except KeyboardInterrupt:
                process.terminate()
                process.wait()
                raise
            stderr.seek(0)
            message = stderr.read().strip().splitlines()
        if process.returncode != 0:
            last = message[-1] if message else f"exit status {process.returncode}"
            raise ToolError(f"the engine could not run {model.name}: {last}")
        seconds = time.perf_counter() - start
        per_frame = _read_detections(lines_file, len(images))
        summary = json.loads((out / "summary.json").read_text())
    missing = [images[i].name for i, found in enumerate(per_frame) if found is None]
    if missing:
        raise ToolError(
            f"the engine gave no result for {len(missing)} image(s), first {missing[0]} (unreadable?)"
        )
    if progress is not None:
        progress(len(images), len(images))
    runtime = summary.get("config", {}).get("runtime") or choice.runtime or "?"
    version = summary.get("versions", {}).get(runtime) or choice.version
    engine = f"smartcamrt run ({runtime} {version})".replace(" )", ")")
    return Predictions(
        per_frame, engine, runtime, str(summary.get("config", {}).get("input", "")), seconds=seconds
    )


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 16), b""))
    except OSError:
        return 0


def _read_detections(path: Path, count: int) -> list[ImageDetections | None]:
    per_frame: list[ImageDetections | None] = [None] * count
    if not path.is_file():
        return per_frame
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        frame = int(record["frame"])
        if not 0 <= frame < count:
            raise ToolError(f"the engine's detections.jsonl names frame {frame} of {count}")
        detections = record.get("detections", [])
        boxes = np.array([d["box"] for d in detections], dtype=float).reshape(-1, 4)
        scores = np.array([d["score"] for d in detections], dtype=float)
        classes = np.array([d["class_id"] for d in detections], dtype=int)
        per_frame[frame] = ImageDetections(boxes, scores, classes)
    return per_frame


# ------------------------------------------------------------------------------------ Python reference


def model_input_hw(model: Path) -> tuple[int, int] | None:
    """The model's fixed input (H, W) from its manifest or, for ONNX, the graph; None when dynamic."""
    manifest = model.with_name(model.name + ".json")
    if manifest.is_file():
        try:
            shape = json.loads(manifest.read_text()).get("input", {}).get("shape")
        except json.JSONDecodeError:
            shape = None
        if isinstance(shape, list) and len(shape) == 4 and all(isinstance(v, int) for v in shape[2:]):
            return shape[2], shape[3]
    if model.suffix.lower() == ".onnx":
        import onnx

        try:
            graph = onnx.load(str(model), load_external_data=False).graph
        except Exception as exc:  # onnx raises DecodeError and friends
            raise ToolError(f"{model} is not a loadable ONNX model: {exc}") from None
        dims = graph.input[0].type.tensor_type.shape.dim if graph.input else []
        if len(dims) == 4 and dims[2].dim_value > 0 and dims[3].dim_value > 0:
            return dims[2].dim_value, dims[3].dim_value
    return None


def _python_runner(model: Path) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """A Runner for ``model`` by its file type, and the library that runs it (for the report)."""
    from ..versions import package_version

    name = model.name.lower()
    if name.endswith(".pt"):
        from ..checkpoint import load_checkpoint
        from ..validate import torch_runner
        from ..yolov5 import build_from_checkpoint

        return torch_runner(
            build_from_checkpoint(load_checkpoint(model)).eval()
        ), f"torch {package_version('torch')}"
    from ..export.formats import FORMATS

    rows = sorted(
        (row for row in FORMATS.values() if name.endswith(row.suffix)), key=lambda r: -len(r.suffix)
    )
    if not rows:
        raise ToolError(f"{model.name}: neither the engine nor the Python reference reads this file type")
    package = {
        "ort": "onnxruntime",
        "litert": "ai-edge-litert",
        "executorch": "executorch",
        "openvino": "openvino",
    }
    library = package.get(rows[0].runtime, rows[0].runtime)
    try:
        runner = rows[0].open_runner(model)
    except ToolError:
        raise
    except Exception as exc:  # the runtimes raise their own types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ToolError(f"{model} could not be loaded by {library}: {first}") from None
    return runner, f"{library} {package_version(library) or ''}".strip()


def python_predictions(
    model: Path, images: list[Path], input_hw: tuple[int, int], reason: str, progress: Progress | None = None
) -> Predictions:
    from ..vision.letterbox import preprocess
    from ..vision.yolo_postprocess import postprocess

    runner, library = _python_runner(model)
    start = time.perf_counter()
    per_image = []
    for index, path in enumerate(images):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ToolError(f"cannot decode image {path}")
        batch, info = preprocess(image, input_hw)
        detections = postprocess(runner(batch), info, CONF_THRESHOLD, NMS_IOU)
        keep = slice(0, MAX_DET)
        per_image.append(
            ImageDetections(
                detections.boxes[keep].astype(float),
                detections.scores[keep].astype(float),
                detections.class_ids[keep].astype(int),
            )
        )
        if progress is not None:
            progress(index + 1, len(images))
    seconds = time.perf_counter() - start
    return Predictions(
        per_image,
        f"python reference ({library})",
        PYTHON_RUNTIME,
        f"{input_hw[0]}x{input_hw[1]}",
        reason,
        seconds,
    )


class ProgressBar:
    """``[eval] <what> [#####-----] n/N`` on stderr: redrawn in place on a terminal; elsewhere (logs,
    CI) one line when the step ends, so logs are not flooded."""

    WIDTH = 24

    def __init__(self, what: str, stream=None):
        self.what = what
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last: tuple[int, int] | None = None
        self.start = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if (done, total) == self.last:
            return
        self.last = (done, total)
        if self.tty:
            self.stream.write("\r" + self._line(done, total))
            self.stream.flush()

    def _line(self, done: int, total: int) -> str:
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return f"[eval] {self.what} [{bar}] {done}/{total} {time.perf_counter() - self.start:.1f} s"

    def close(self) -> None:
        done, total = self.last or (0, 0)
        line = self._line(done, total)
        self.stream.write(("\r" + line + "\n") if self.tty else line + "\n")
        self.stream.flush()
