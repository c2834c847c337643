"""The text parity gate: a prepared model against the fp32 PyTorch model on every SST-2 dev sentence.

The PyTorch logits come from batched, padded inference (the models ignore padding); the prepared model
runs one text at a time through its runner, as the engine does. Two limits (a format's
:class:`~.formats.TextTolerance`): the largest absolute difference of any logit, and the share of
sentences whose label (argmax) is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .formats import TextRunner, TextTolerance


def check_text_parity(
    reference: np.ndarray, runner: TextRunner, sequences: Sequence[Sequence[int]], tolerance: TextTolerance
) -> tuple[dict[str, Any], np.ndarray]:
    """(the manifest's ``parity`` record, the prepared model's logits ``[N, 2]``)."""
    candidate = np.stack([np.asarray(runner(ids), dtype=np.float32).reshape(-1) for ids in sequences])
    if candidate.shape != reference.shape:
        raise ValueError(
            f"logit shapes differ: reference {reference.shape}, prepared model {candidate.shape}"
        )
    diff = np.abs(candidate.astype(np.float64) - reference.astype(np.float64))
    agreement = float((candidate.argmax(axis=1) == reference.argmax(axis=1)).mean())
    finite = bool(np.isfinite(candidate).all())
    passed = (
        finite and float(diff.max()) <= tolerance.max_abs_logit and agreement >= tolerance.min_label_agreement
    )
    record = {
        "reference": "pytorch",
        "inputs": "sst2-dev",
        "examples": len(sequences),
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "label_agreement": agreement,
        "atol": tolerance.max_abs_logit,
        "min_label_agreement": tolerance.min_label_agreement,
        "passed": bool(passed),
    }
    return record, candidate


def describe_parity(record: dict[str, Any]) -> str:
    verdict = "passed" if record["passed"] else "FAILED"
    return (
        f"parity vs {record['reference']} on {record['examples']} {record['inputs']} texts: {verdict}; "
        f"max abs logit diff {record['max_abs_diff']:.3g} (atol {record['atol']:g}), "
        f"label agreement {record['label_agreement']:.4f} (min {record['min_label_agreement']:g})"
    )
