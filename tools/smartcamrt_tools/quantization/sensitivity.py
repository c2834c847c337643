"""Which blocks int8 hurts most, measured: ``smartcamrt-tools int8-sensitivity``.

Method (PT2E, the XNNPACK quantizer's scheme -- int8 symmetric per-channel weights, int8 per-tensor
activations, MinMax ranges -- which is also the scheme of litert-torch's quantizer and of NNCF's MIXED
preset; the Detect decode always stays float, see :mod:`smartcamrt_tools.export.int8_common`):

1. score the fp32 model and the fully quantized body (every block int8) on coco128's *training* split,
   the images calibration uses; the evaluation split is never looked at, so the choice below cannot be
   fitted to the images that judge it;
2. for every block with weights (``model.<i>`` of the checkpoint, and each head convolution
   ``model.24.m.<j>``), quantize everything *but* that block and score again: its *gain* is how much
   mAP50-95 keeping it in float gives back;
3. keep blocks in float in order of gain, adding one at a time (each step scored), until the drop against
   fp32 is at most ``max_drop`` points of mAP50-95 or ``max_blocks`` are float.

The result (every score, the order, the chosen ``keep_float``) is cached as JSON under
``$SMARTCAMRT_HOME/quantization/<model>-<size>.sensitivity.json``, keyed by the weights' hash and the
settings; the int8 export rows read ``keep_float`` from there. A bar chart is drawn beside it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch

from ..assets import smartcamrt_home
from ..errors import ToolError

SCHEMES = {  # --scheme: the quantizer whose int8 is simulated (PT2E, in PyTorch)
    "xnnpack": "pt2e-xnnpack-s8 (ExecuTorch XNNPACKQuantizer: per-channel symmetric int8 weights, per-tensor "
    "int8 activations, MinMax); used by executorch-int8 and openvino-int8",
    "litert": "pt2e-litert-s8 (litert-torch PT2EQuantizer, SiLU as x * sigmoid(x), one observer per tensor "
    "and per concat, as tflite-int8 exports it)",
}
VERSION = 1


@dataclass(frozen=True)
class SensitivityConfig:
    weights: str = "yolov5n.pt"
    imgsz: int = 320
    calibration_images: int = 64
    split: str = "train"
    max_drop: float = 1.0  # points of mAP50-95 against fp32
    max_blocks: int = 6
    scheme: str = "xnnpack"


def result_path(stem: str, input_hw: tuple[int, int], scheme: str = "xnnpack") -> Path:
    height, width = input_hw
    size = str(height) if height == width else f"{width}x{height}"
    tag = "" if scheme == "xnnpack" else f".{scheme}"
    return smartcamrt_home() / "quantization" / f"{stem}-{size}{tag}.sensitivity.json"


def read_result(
    input_hw: tuple[int, int], stem: str = "yolov5n", sha256: str | None = None, scheme: str = "xnnpack"
) -> dict | None:
    """The cached analysis for ``stem`` at ``input_hw`` with ``scheme`` (None when there is none or it is
    for other weights)."""
    path = result_path(stem, input_hw, scheme)
    if not path.is_file():
        return None
    result = json.loads(path.read_text())
    if sha256 is not None and result.get("weights_sha256") != sha256:
        return None
    result["file"] = str(path)
    return result


def weight_blocks(model: torch.nn.Module) -> list[str]:
    """Blocks with weights, in network order: ``model.<i>`` for each layer but Detect, then its convs."""
    blocks = []
    for index, layer in enumerate(model.model[:-1]):
        if any(True for _ in layer.parameters()):
            blocks.append(f"model.{index}")
    detect = len(model.model) - 1
    blocks += [f"model.{detect}.m.{j}" for j in range(len(model.detect.m))]
    return blocks


def quantize_variant(
    model, sample, batches, keep_float: list[str], scheme: str = "xnnpack"
) -> torch.nn.Module:
    """The model with its body PT2E-quantized (``scheme``) except ``keep_float``."""
    from ..export import int8_common

    if scheme == "litert":
        from litert_torch.quantize.pt2e_quantizer import PT2EQuantizer
        from litert_torch.quantize.pt2e_quantizer import get_symmetric_quantization_config as litert_config

        quantizer = PT2EQuantizer().set_global(litert_config(is_per_channel=True))
        return int8_common.pt2e_quantize(
            model, sample, quantizer, batches, keep_float=keep_float, split_silu=True
        )
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )

    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    return int8_common.pt2e_quantize(model, sample, quantizer, batches, keep_float=keep_float)


def analyse(
    config: SensitivityConfig, log: Callable[[str], None] = print, progress: bool = True, force: bool = False
) -> dict:
    from ..assets import resolve_weights
    from ..checkpoint import load_checkpoint
    from ..export import int8_common
    from ..yolov5 import build_from_checkpoint
    from .torch_map import load_split, model_map

    source = resolve_weights(config.weights)
    checkpoint = load_checkpoint(source)
    input_hw = (config.imgsz, config.imgsz)
    if config.scheme not in SCHEMES:
        raise ToolError(f"unknown --scheme '{config.scheme}': choose one of {', '.join(SCHEMES)}")
    out = result_path(source.stem, input_hw, config.scheme)
    key = {
        "version": VERSION,
        "weights_sha256": checkpoint.sha256,
        "torch": torch.__version__,
        **asdict(config),
    }
    key.pop("weights")
    if config.scheme == "xnnpack":
        key.pop("scheme")  # results cached before there was a choice stay valid
    if out.is_file() and not force:
        cached = json.loads(out.read_text())
        if cached.get("key") == key:
            log(f"cached: {out} (--force to measure again)")
            cached["file"] = str(out)
            return cached
    model = build_from_checkpoint(checkpoint, fuse=True).eval()
    sample = torch.zeros(1, 3, *input_hw)
    batches = int8_common.calibration_batches(input_hw, config.calibration_images)
    data = load_split(config.split, input_hw)
    blocks = weight_blocks(model)
    bar = _bar(len(data) * (2 + len(blocks) + config.max_blocks), "int8 sensitivity", progress)

    def score(keep_float: list[str] | None) -> tuple[float, float]:
        variant = (
            model
            if keep_float is None
            else quantize_variant(model, sample, batches, keep_float, config.scheme)
        )
        return model_map(variant, data, bar.update)

    fp32 = score(None)
    all_int8 = score([])
    log(f"fp32 mAP50-95 {fp32[0]:.4f}; every block int8 {all_int8[0]:.4f} (train split, {len(data)} images)")
    per_block = []
    for block in blocks:
        mapped = score([block])
        per_block.append(
            {"block": block, "mAP50-95": mapped[0], "mAP50": mapped[1], "gain": mapped[0] - all_int8[0]}
        )
    order = sorted(per_block, key=lambda row: -row["gain"])
    steps = [{"keep_float": [], "mAP50-95": all_int8[0], "mAP50": all_int8[1]}]
    keep: list[str] = []
    for row in order[: config.max_blocks]:
        if (fp32[0] - steps[-1]["mAP50-95"]) * 100 <= config.max_drop:
            break
        keep = [*keep, row["block"]]
        mapped = score(keep)
        steps.append({"keep_float": keep, "mAP50-95": mapped[0], "mAP50": mapped[1]})
        drop = (fp32[0] - mapped[0]) * 100
        log(f"keep {row['block']} in float too: mAP50-95 {mapped[0]:.4f} (drop {drop:.2f} points)")
    bar.close()
    best = steps[-1]
    result = {
        "key": key,
        "weights": str(source),
        "weights_sha256": checkpoint.sha256,
        "scheme": SCHEMES[config.scheme],
        "split": config.split,
        "images": len(data),
        "calibration_images": config.calibration_images,
        "fp32": {"mAP50-95": fp32[0], "mAP50": fp32[1]},
        "all_int8": {"mAP50-95": all_int8[0], "mAP50": all_int8[1]},
        "per_block": per_block,
        "steps": steps,
        "keep_float": best["keep_float"],
        "drop_points": round((fp32[0] - best["mAP50-95"]) * 100, 3),
        "goal_met": (fp32[0] - best["mAP50-95"]) * 100 <= config.max_drop,
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    _plot(result, out.with_suffix(".png"))
    result["file"] = str(out)
    return result


def _bar(total: int, description: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total, desc=description, unit="img", file=sys.stderr, disable=not enabled, dynamic_ncols=True
    )


def _plot(result: dict, path: Path) -> None:
    drop = (result["fp32"]["mAP50-95"] - result["all_int8"]["mAP50-95"]) * 100
    plot_per_block(
        result,
        path,
        ylabel="mAP50-95 regained (points)",
        title=f"int8 sensitivity per block ({result['split']} split, {result['images']} images): "
        f"every block int8 loses {drop:.2f} points",
    )


def plot_per_block(result: dict, path: Path, *, ylabel: str, title: str) -> None:
    """One bar per block kept in float (100 x its "gain"), red where the export keeps it float."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["per_block"]
    fig, ax = plt.subplots(figsize=(10, 4))
    colors = ["tab:red" if row["block"] in result["keep_float"] else "tab:blue" for row in rows]
    ax.bar(
        [row["block"].removeprefix("model.") for row in rows],
        [row["gain"] * 100 for row in rows],
        color=colors,
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("block kept in float (all others int8); red: kept in the export")
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=60)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def describe(result: dict) -> list[str]:
    fp32, all_int8 = result["fp32"]["mAP50-95"], result["all_int8"]["mAP50-95"]
    lines = [f"fp32 {fp32:.4f}, every block int8 {all_int8:.4f} ({(fp32 - all_int8) * 100:.2f} points lost)"]
    for row in sorted(result["per_block"], key=lambda r: -r["gain"])[:5]:
        lines.append(f"  {row['block']:>14} in float regains {row['gain'] * 100:+.2f} points")
    lines.append(conclusion(result))
    return lines


def conclusion(result: dict) -> str:
    """An analysis's last line, for every scheme: the blocks kept float, the drop, whether the goal is met."""
    return (
        f"keep in float: {', '.join(result['keep_float']) or 'nothing'} -> drop {result['drop_points']:.2f} "
        f"points ({'goal met' if result['goal_met'] else 'goal NOT met'}); {result['file']}"
    )


def check_imgsz(imgsz: int) -> None:
    if imgsz <= 0 or imgsz % 32:
        raise ToolError(f"--imgsz {imgsz} must be a positive multiple of 32")


def main_analyse(config: SensitivityConfig, force: bool) -> None:
    check_imgsz(config.imgsz)
    for line in describe(analyse(config, force=force)):
        print(line)
