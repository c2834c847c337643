"""Parity check: does a prepared model give the same raw output as its PyTorch source?

Both run on the same real images (letterboxed ``bus.jpg`` and ``zidane.jpg`` from the assets), and the
raw detection outputs ``[1, N, 5 + nc]`` are compared element-wise. Boxes are in input pixels and scores
are probabilities, so the two parts get their own absolute tolerance (see :class:`ParityTolerance`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from .assets import resolve_asset
from .errors import ToolError
from .vision.letterbox import preprocess

PARITY_IMAGES = ("bus.jpg", "zidane.jpg")

# A runner takes an NCHW float32 batch and returns the model's raw output as NumPy.
Runner = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ParityTolerance:
    """Limits a prepared model must stay within, per part of the YOLOv5 output.

    ``boxes_px`` applies to (cx, cy, w, h) in input pixels; it is also the limit on the overall max abs
    diff, which boxes dominate. ``scores`` applies to objectness and class probabilities.
    """

    boxes_px: float
    scores: float
    min_cosine: float


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
    passed = within and cosine >= tolerance.min_cosine
    return ParityResult(
        reference="pytorch",
        inputs=list(reference),
        max_abs_diff=max_abs,
        mean_abs_diff=float(diff.mean()),
        cosine=cosine,
        atol=tolerance.boxes_px,
        passed=bool(passed and np.isfinite(got).all()),
        by_part={
            "boxes_px": {"max_abs_diff": box_diff, "atol": tolerance.boxes_px},
            "scores": {"max_abs_diff": score_diff, "atol": tolerance.scores},
        },
        min_cosine=tolerance.min_cosine,
    )


def check_parity(
    reference: Runner, candidate: Runner, inputs: dict[str, np.ndarray], tolerance: ParityTolerance
) -> ParityResult:
    """Run both models on every input and compare."""
    ref_out = {name: reference(batch) for name, batch in inputs.items()}
    got_out = {name: candidate(batch) for name, batch in inputs.items()}
    return compare_outputs(ref_out, got_out, tolerance)


def describe(result: ParityResult) -> str:
    """One line for the console."""
    boxes, scores = result.by_part["boxes_px"], result.by_part["scores"]
    verdict = "passed" if result.passed else "FAILED"
    return (
        f"parity vs {result.reference} on {', '.join(Path(i).name for i in result.inputs)}: {verdict}; "
        f"max abs diff {result.max_abs_diff:.3g} (atol {result.atol:g}); "
        f"boxes {boxes['max_abs_diff']:.3g} px (atol {boxes['atol']:g}), "
        f"scores {scores['max_abs_diff']:.3g} (atol {scores['atol']:g}); cosine {result.cosine:.9f}"
    )
