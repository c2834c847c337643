"""Parity check: does a prepared model give the same answers as its PyTorch source?

Two parts, both on real images:

1. Raw outputs: both models run on letterboxed ``bus.jpg`` and ``zidane.jpg`` from the assets, and the raw
   detection outputs ``[1, N, 5 + nc]`` are compared element-wise. Boxes are in input pixels and scores
   are probabilities, so the two parts get their own absolute tolerance (see :class:`ParityTolerance`).
2. Detection agreement: both models run over the coco128 images through the same letterbox, decode and
   NMS, and the prepared model's detections are scored against the source model's with mAP@0.5
   (see :mod:`.detection_agreement`); the value must reach the format's ``min_map50``.

The result passes only when every part does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from .assets import resolve_asset
from .detection_agreement import DetectionAgreement, check_detection_agreement, describe_agreement
from .errors import ToolError
from .vision.letterbox import preprocess

PARITY_IMAGES = ("bus.jpg", "zidane.jpg")

# Detection agreement floor for rows that state none: an fp32 artifact. Measured (yolov5n, ORT 1.30 CPU
# vs torch 2.13 CPU, conf 0.25, NMS IoU 0.45, all 128 coco128 images): the fp32 ONNX export scores
# mAP50 1.000 against PyTorch at 640 (562 = 562 boxes, 65 classes) and at 320 (450 = 450 boxes). Its raw
# outputs differ by ~1e-3 px and ~5e-6 in score, so a box can only flip where a score sits within ~1e-5
# of the 0.25 threshold or two NMS candidates nearly tie. 0.98 leaves room for a few such flips on
# another CPU or runtime (one missed box costs 1/(that class's boxes) of one class's AP, i.e. 1/65 of
# that in the mean: ~0.015 at worst, for a class with a single box), while a real fault lands far below
# it (boxes shifted by 30 px at 320, first 8 images: 0.48). Reduced-precision rows (fp16, int8) state
# their own, lower floor: ParityTolerance(..., min_map50=...).
DEFAULT_MIN_MAP50 = 0.98

# A runner takes an NCHW float32 batch and returns the model's raw output as NumPy.
Runner = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ParityTolerance:
    """Limits a prepared model must stay within, per part of the YOLOv5 output.

    ``boxes_px`` applies to (cx, cy, w, h) in input pixels; it is also the limit on the overall max abs
    diff, which boxes dominate. ``scores`` applies to objectness and class probabilities. ``min_map50``
    is the lowest acceptable detection agreement (mAP@0.5 of the prepared model's detections scored
    against the PyTorch model's, on the coco128 images).
    """

    boxes_px: float
    scores: float
    min_cosine: float
    min_map50: float = DEFAULT_MIN_MAP50  # detection agreement floor: mAP50 vs the PyTorch detections


@dataclass
class ParityResult:
    reference: str
    inputs: list[str]
    max_abs_diff: float
    mean_abs_diff: float
    cosine: float
    atol: float
    passed: bool
    by_part: dict[str, dict[str, float]] = field(default_factory=dict)
    min_cosine: float = 0.0
    outputs_passed: bool | None = None  # the raw-output comparison alone (``passed`` is the overall verdict)
    detection_agreement: DetectionAgreement | None = None  # None: not run (e.g. raw-output-only checks)

    def to_manifest(self) -> dict:
        return asdict(self)


def load_parity_inputs(
    input_hw: tuple[int, int], names: Sequence[str] = PARITY_IMAGES
) -> dict[str, np.ndarray]:
    """Real images (resolved like models: cache, ``$SMARTCAMRT_ASSETS/images``, official URL),
    letterboxed into model-ready tensors."""
    inputs = {}
    for name in names:
        path = resolve_asset("images", name)
        image = cv2.imread(str(path))
        if image is None:
            raise ToolError(f"cannot decode image {path}")
        inputs[name], _ = preprocess(image, input_hw)
    return inputs


def torch_runner(model: torch.nn.Module) -> Runner:
    def run(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(batch)).numpy()

    return run


def _as_rows(outputs) -> np.ndarray:
    """Stack outputs ``[1, N, C]`` into ``[sum N, C]`` float64, so the statistics themselves add no error."""
    return np.concatenate([o.reshape(-1, o.shape[-1]) for o in outputs]).astype(np.float64)


def compare_outputs(
    reference: dict[str, np.ndarray], candidate: dict[str, np.ndarray], tolerance: ParityTolerance
) -> ParityResult:
    """Element-wise comparison over all inputs' outputs (concatenated)."""
    ref = _as_rows(reference[k] for k in reference)
    got = _as_rows(candidate[k] for k in reference)
    if ref.shape != got.shape:
        raise ToolError(f"output shapes differ: reference {ref.shape} vs prepared model {got.shape}")
    diff = np.abs(ref - got)
    box_diff, score_diff = float(diff[:, :4].max()), float(diff[:, 4:].max())
    cosine = float(np.dot(ref.ravel(), got.ravel()) / (np.linalg.norm(ref) * np.linalg.norm(got) + 1e-30))
    max_abs = float(diff.max())
    within = box_diff <= tolerance.boxes_px and score_diff <= tolerance.scores
    passed = bool(within and cosine >= tolerance.min_cosine and np.isfinite(got).all())
    return ParityResult(
        reference="pytorch",
        inputs=list(reference),
        max_abs_diff=max_abs,
        mean_abs_diff=float(diff.mean()),
        cosine=cosine,
        atol=tolerance.boxes_px,
        passed=passed,
        by_part={
            "boxes_px": {"max_abs_diff": box_diff, "atol": tolerance.boxes_px},
            "scores": {"max_abs_diff": score_diff, "atol": tolerance.scores},
        },
        min_cosine=tolerance.min_cosine,
        outputs_passed=passed,
    )


def check_parity(
    reference: Runner,
    candidate: Runner,
    inputs: dict[str, np.ndarray],
    tolerance: ParityTolerance,
    agreement_images: Sequence[Path] | None = None,
) -> ParityResult:
    """Run both models on every input and compare; with ``agreement_images`` also score the detection
    agreement on them (at the inputs' size) and fold it into ``passed``."""
    ref_out = {name: reference(batch) for name, batch in inputs.items()}
    got_out = {name: candidate(batch) for name, batch in inputs.items()}
    result = compare_outputs(ref_out, got_out, tolerance)
    if agreement_images is not None:
        input_hw = next(iter(inputs.values())).shape[-2:]
        agreement = check_detection_agreement(
            reference, candidate, agreement_images, (int(input_hw[0]), int(input_hw[1])), tolerance.min_map50
        )
        result.detection_agreement = agreement
        result.passed = bool(result.passed and agreement.passed)
    return result


def describe(result: ParityResult) -> str:
    """One line for the console: the raw-output comparison (its own verdict, not the overall one)."""
    boxes, scores = result.by_part["boxes_px"], result.by_part["scores"]
    outputs_passed = result.passed if result.outputs_passed is None else result.outputs_passed
    verdict = "passed" if outputs_passed else "FAILED"
    return (
        f"parity vs {result.reference} on {', '.join(Path(i).name for i in result.inputs)}: {verdict}; "
        f"max abs diff {result.max_abs_diff:.3g} (atol {result.atol:g}); "
        f"boxes {boxes['max_abs_diff']:.3g} px (atol {boxes['atol']:g}), "
        f"scores {scores['max_abs_diff']:.3g} (atol {scores['atol']:g}); cosine {result.cosine:.9f}"
    )


def describe_all(result: ParityResult) -> list[str]:
    """The console lines: raw outputs, then the detection agreement when it ran."""
    lines = [describe(result)]
    if result.detection_agreement is not None:
        lines.append(describe_agreement(result.detection_agreement))
    return lines


def failure_reasons(result: ParityResult) -> list[str]:
    """What failed, in words, for the error message (empty when the result passed)."""
    reasons = []
    if result.outputs_passed is False or (result.outputs_passed is None and not result.passed):
        reasons.append(
            f"max abs diff {result.max_abs_diff:.3g}, atol {result.atol:g}; cosine {result.cosine:.9f}"
        )
    agreement = result.detection_agreement
    if agreement is not None and not agreement.passed:
        reasons.append(f"detection agreement mAP50 {agreement.value:.3f} < min {agreement.min:g}")
    return reasons
