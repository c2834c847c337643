"""Which blocks ONNX Runtime's static int8 hurts most, measured: ``smartcamrt-tools int8-sensitivity
--scheme ort [--quant-preset qdq-u8s8]``; the ``onnx-int8`` row keeps those blocks' convolutions float.

With ORT's own quantizer, so what is measured is what the ``onnx-int8`` row writes (the preset's types,
the same 64 calibration images of coco128's training split, the Detect decode float as always):

1. **Rank by output error on unlabelled video frames.** Quantize every block, then every block but one
   (``model.<i>``, and each head convolution ``model.<detect>.m.<j>``; a block's convolutions are found
   by their weight names, quantization/float_blocks.py, and go to ``nodes_to_exclude``), and measure how
   far each int8 model's output is from fp32's on ``frames`` frames of the videos in
   ``$SMARTCAMRT_ASSETS/video`` (:func:`output_error`). Why not rank by mAP, as the PT2E analysis does:
   tried first, on held-out folds of the 64 training images, the per-block "gains" were noise -- every
   block regained 0.0-1.5 points, and the 4 blocks chosen that way scored 1.1 points *worse* than all-int8
   on another fold split. The output error on 128 frames needs no labels and ranks stably; coco128's
   evaluation split is never looked at.
2. **Steps scored by mAP on held-out images.** Keep blocks float in rank order (only those whose float
   copy lowers the error), each step scored by mAP50-95 on coco128's training split in ``folds`` folds,
   each fold scored by a model calibrated on the others: MinMax ranges fit the images they come from,
   and scored on its own calibration images all-int8 lost 1.19 points where held-out images (and the
   evaluation split: 2.46) show the clipping. Stop when the drop is at most ``max_drop`` points or
   ``max_blocks`` are float; the export keeps the best-scoring step's blocks.

Scores do not depend on the CPU that measures them: a u8 x s8 preset is scored with its weights stored as
uint8 + 128 (``weights_as_uint8``), the same integers on kernels that cannot saturate, so an AVX2-only
CPU measures what a VNNI one does. For the same reason ``qdq-u8u8`` shares ``qdq-u8s8``'s analysis.

Cached as ``$SMARTCAMRT_HOME/quantization/<model>-<size>.ort-<preset>.sensitivity.json`` (+ ``.png``),
keyed by the checkpoint's hash, onnxruntime's version and the settings. It records the fp32 graph's
*signature* (its convolutions' weight names and shapes): the export applies an analysis only to a graph
with the same signature, so a pruned model does not inherit yolov5n's choice, and only at the size it
was measured at (:func:`find_result`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import onnx

from ..assets import smartcamrt_home
from ..errors import ToolError
from .config import QuantConfig
from .float_blocks import conv_blocks
from .presets import QUANT_PRESETS, get_preset
from .sensitivity import check_imgsz, conclusion, plot_per_block

VERSION = 3  # 2: scored on held-out folds; 3: ranked by output error on video frames
# Presets that compute another preset's integers (quantization/presets.py): they share its analysis.
SAME_INTEGERS = {"qdq-u8u8": "qdq-u8s8"}


@dataclass(frozen=True)
class OrtSensitivityConfig:
    weights: str = "yolov5n.pt"
    imgsz: int = 320
    preset: str = "qdq-u8s8"
    calibration_images: int = 64
    split: str = "train"
    max_drop: float = 1.0  # points of mAP50-95 against fp32
    max_blocks: int = 6
    folds: int = 2  # 1: calibrate and score on the same images (the PT2E analysis' way)
    frames: int = 128  # video frames the output error is measured on


def scheme_name(preset: str) -> str:
    """The analysis' tag in its file name (``ort-qdq-u8s8``): one per integer grid."""
    return f"ort-{SAME_INTEGERS.get(preset, preset)}"


def preset_of(config: QuantConfig) -> str | None:
    """The preset ``config`` is (whatever its calibration count), None for a config no preset names."""
    for name, preset in QUANT_PRESETS.items():
        if dataclasses.replace(config, calibration_images=preset.calibration_images) == preset:
            return name
    return None


def scoring_config(preset: str, calibration_images: int) -> QuantConfig:
    """The preset as scored: u8 x s8 with weights stored as uint8, the same integers on any x86 CPU."""
    config = dataclasses.replace(get_preset(preset), calibration_images=calibration_images)
    if (config.activation_type, config.weight_type) == ("uint8", "int8"):
        config = dataclasses.replace(config, weights_as_uint8=True)
    return config


def graph_signature(model: onnx.ModelProto) -> str:
    """sha256 of the convolutions' weight names and shapes: the same network, whatever the rounding of
    its fused weights on the machine that exported it."""
    shapes = {init.name: list(init.dims) for init in model.graph.initializer}
    rows = [
        [node.input[1], shapes.get(node.input[1])]
        for node in model.graph.node
        if node.op_type == "Conv" and len(node.input) > 1
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def find_result(model: onnx.ModelProto, input_hw: tuple[int, int], preset: str) -> dict | None:
    """The cached analysis for ``preset`` at ``input_hw`` whose graph signature is ``model``'s, or None.

    Only the size it was measured at: yolov5n's blocks chosen at 320, applied at 640 / 512 / 416, moved
    the evaluation-split mAP50-95 by -1.1 / +0.7 / -1.2 points against every block int8 -- which blocks
    int8 hurts depends on the input size, so another size gets no blocks rather than a guess."""
    height, width = input_hw
    size = str(height) if height == width else f"{width}x{height}"
    folder = smartcamrt_home() / "quantization"
    signature = graph_signature(model)
    for path in sorted(folder.glob(f"*-{size}.{scheme_name(preset)}.sensitivity.json")):
        result = json.loads(path.read_text())
        if result.get("graph_signature") == signature:
            result["file"] = str(path)
            return result
    return None


def video_frames(input_hw: tuple[int, int], count: int) -> list:
    """``count`` letterboxed frames spread evenly over the videos in ``$SMARTCAMRT_ASSETS/video`` (no
    labels needed; none of them is a coco128 image)."""
    import cv2
    import numpy as np

    from ..assets import assets_dir
    from ..vision.letterbox import preprocess

    root = assets_dir()
    videos = sorted(p for p in (root / "video").iterdir() if p.is_file()) if root else []
    if not videos:
        raise ToolError("no videos in $SMARTCAMRT_ASSETS/video: the output error is measured on their frames")
    frames = []
    for k, video in enumerate(videos):
        want = count // len(videos) + (k < count % len(videos))
        capture = cv2.VideoCapture(str(video))
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        for index in np.linspace(0, max(total - 1, 0), want).astype(int):
            capture.set(cv2.CAP_PROP_POS_FRAMES, int(index))
            ok, frame = capture.read()
            if ok:
                frames.append(preprocess(frame, input_hw)[0])
        capture.release()
    if not frames:
        raise ToolError(f"could not decode frames from {', '.join(v.name for v in videos)}")
    return frames


def output_error(reference: list, outputs: list, input_hw: tuple[int, int]) -> float:
    """How far a model's decoded outputs ``[N, 5 + nc]`` are from fp32's, averaged over frames: the mean
    squared objectness error over every anchor (false and lost detections), plus, weighted by fp32's
    objectness (where there is something to find), the class-probability and box errors (boxes in units
    of the input size)."""
    import numpy as np

    scale = float(max(input_hw))
    errors = []
    for ref, out in zip(reference, outputs, strict=True):
        weight = ref[:, 4]
        objectness = np.mean((out[:, 4] - ref[:, 4]) ** 2)
        per_anchor = np.mean((out[:, 5:] - ref[:, 5:]) ** 2, axis=1)
        per_anchor += np.mean(((out[:, :4] - ref[:, :4]) / scale) ** 2, axis=1)
        errors.append(objectness + np.sum(weight * per_anchor) / max(float(weight.sum()), 1e-9))
    return float(np.mean(errors))


def choose_keep_float(
    fp32: float,
    per_block: list[dict],
    score: Callable[[list[str]], dict],
    max_drop: float,
    max_blocks: int,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """Steps that keep blocks float in order of measured error reduction (``per_block[i]["gain"]``, only
    positive ones), each scored by ``score(keep) -> {"mAP50-95", "mAP50", "error"}``, until the mAP drop
    against ``fp32`` is at most ``max_drop`` points or ``max_blocks`` are float. Returns the steps after
    "nothing float" (the caller scores that one)."""
    steps: list[dict] = []
    keep: list[str] = []
    ranked = [row for row in sorted(per_block, key=lambda r: -r["gain"]) if row["gain"] > 0]
    for row in ranked[:max_blocks]:
        keep = [*keep, row["block"]]
        steps.append({"keep_float": keep, **score(keep)})
        drop = (fp32 - steps[-1]["mAP50-95"]) * 100
        log(
            f"keep {row['block']} in float too: mAP50-95 {steps[-1]['mAP50-95']:.4f} (drop {drop:.2f} points)"
        )
        if drop <= max_drop:
            break
    return steps


def best_step(steps: list[dict]) -> dict:
    """The step with the highest held-out mAP50-95 (fewest blocks float on a tie)."""
    return max(steps, key=lambda step: (step["mAP50-95"], -len(step["keep_float"])))


def fold_images(images: list[Path], folds: int) -> list[tuple[list[Path], list[Path]]]:
    """(calibration, scored) image lists per fold: contiguous chunks scored by the rest; one fold is
    (all, all)."""
    if folds < 1 or folds > len(images):
        raise ToolError(f"--folds {folds}: must be between 1 and the {len(images)} calibration images")
    if folds == 1:
        return [(list(images), list(images))]
    bounds = [round(k * len(images) / folds) for k in range(folds + 1)]
    chunks = [images[bounds[k] : bounds[k + 1]] for k in range(folds)]
    return [([p for j, c in enumerate(chunks) if j != k for p in c], chunk) for k, chunk in enumerate(chunks)]


def _subset(data, paths: list[Path]):
    """``data`` (a torch_map.SplitData) restricted to ``paths``, its ground truth rebuilt to match."""
    from ..evaluation.dataset import ground_truth_document
    from .torch_map import SplitData

    wanted = {p.name for p in paths}
    index = [i for i, record in enumerate(data.dataset.images) if record.path.name in wanted]
    dataset = data.dataset.subset([data.dataset.images[i].path for i in index])
    return SplitData(
        dataset,
        [data.batches[i] for i in index],
        [data.infos[i] for i in index],
        ground_truth_document(dataset, dataset.class_names),
        data.split,
    )


def analyse(
    config: OrtSensitivityConfig,
    log: Callable[[str], None] = print,
    progress: bool = True,
    force: bool = False,
) -> dict:
    import onnxruntime
    import torch

    from ..assets import resolve_weights
    from ..checkpoint import load_checkpoint
    from ..evaluation import split
    from ..export.onnx_format import INPUT_NAME, export_onnx
    from ..export.request import ExportRequest
    from ..yolov5 import build_from_checkpoint
    from .sensitivity import _bar, result_path
    from .static import quantize_onnx
    from .torch_map import load_split, model_map

    get_preset(config.preset)  # an unknown name fails here, in one line
    scheme = scheme_name(config.preset)
    source = resolve_weights(config.weights)
    checkpoint = load_checkpoint(source)
    input_hw = (config.imgsz, config.imgsz)
    out = result_path(source.stem, input_hw, scheme)
    key = {
        "version": VERSION,
        "weights_sha256": checkpoint.sha256,
        "onnxruntime": onnxruntime.__version__,
        **asdict(config),
        "preset": SAME_INTEGERS.get(config.preset, config.preset),
    }
    key.pop("weights")
    if out.is_file() and not force:
        cached = json.loads(out.read_text())
        if cached.get("key") == key:
            log(f"cached: {out} (--force to measure again)")
            cached["file"] = str(out)
            return cached
    quant = scoring_config(key["preset"], config.calibration_images)
    if config.split != "train":
        raise ToolError("the analysis scores only coco128's training split (calibration's images)")
    frames = video_frames(input_hw, config.frames)
    data = load_split(config.split, input_hw)
    calibration = split.calibration_images(config.calibration_images)
    folds = [(cal, _subset(data, scored)) for cal, scored in fold_images(calibration, config.folds)]
    with tempfile.TemporaryDirectory(prefix="smartcamrt-ort-sens-") as tmp:
        fp32_path = Path(tmp) / "fp32.onnx"
        model = build_from_checkpoint(checkpoint, fuse=True).eval()
        sample = torch.zeros(1, 3, *input_hw).numpy()
        export_onnx(ExportRequest(model, sample, fp32_path, metadata={"names": checkpoint.names}))
        fp32_model = onnx.load(str(fp32_path))
        blocks = list(conv_blocks(fp32_model))
        work = len(frames) * (2 + len(blocks) + config.max_blocks) + len(data) * (2 + config.max_blocks)
        bar = _bar(work, "onnx-int8 sensitivity", progress)

        def session(path: Path):
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        def outputs(path: Path) -> list:
            run = session(path)
            result = []
            for frame in frames:
                result.append(run.run(None, {INPUT_NAME: frame})[0][0])
                bar.update(1)
            return result

        def fold_map(path_for_fold: Callable[[list[Path]], Path]) -> tuple[float, float]:
            scores = []
            for cal, scored in folds:
                run = session(path_for_fold(cal))
                scores.append(
                    model_map(
                        lambda x, run=run: torch.from_numpy(run.run(None, {INPUT_NAME: x.numpy()})[0]),
                        scored,
                        bar.update,
                    )
                )
            return sum(s[0] for s in scores) / len(scores), sum(s[1] for s in scores) / len(scores)

        def quantized(keep_float: list[str], images: list[Path]) -> Path:
            path = Path(tmp) / "int8.onnx"
            quantize_onnx(fp32_path, path, quant, input_hw, INPUT_NAME, keep_float=keep_float, images=images)
            return path

        reference = outputs(fp32_path)

        def error(keep_float: list[str]) -> float:
            return output_error(reference, outputs(quantized(keep_float, calibration)), input_hw)

        def score(keep_float: list[str]) -> dict:
            mapped = fold_map(lambda cal: quantized(keep_float, cal))
            return {"mAP50-95": mapped[0], "mAP50": mapped[1], "error": error(keep_float)}

        fp32 = fold_map(lambda cal: fp32_path)
        all_int8 = score([])
        log(
            f"fp32 mAP50-95 {fp32[0]:.4f}; every block int8 {all_int8['mAP50-95']:.4f}, output error "
            f"{all_int8['error']:.3g} ({config.split} split, {config.folds} held-out folds, "
            f"{len(frames)} frames)"
        )
        per_block = []
        for block in blocks:
            block_error = error([block])
            per_block.append(
                {"block": block, "error": block_error, "gain": 1 - block_error / all_int8["error"]}
            )
        steps = [
            {"keep_float": [], **all_int8},
            *choose_keep_float(fp32[0], per_block, score, config.max_drop, config.max_blocks, log),
        ]
        bar.close()
    best = best_step(steps)
    drop = (fp32[0] - best["mAP50-95"]) * 100
    result = {
        "key": key,
        "weights": str(source),
        "weights_sha256": checkpoint.sha256,
        "graph_signature": graph_signature(fp32_model),
        "input_hw": list(input_hw),
        "scheme": f"onnxruntime {onnxruntime.__version__} quantize_static, preset {key['preset']} "
        f"(scored with weights stored as uint8 where u8 x s8: the same integers on any CPU)",
        "quantization": quant.to_manifest(),
        "split": config.split,
        "images": len(data),
        "folds": config.folds,
        "frames": len(frames),
        "calibration_images": config.calibration_images,
        "fp32": {"mAP50-95": fp32[0], "mAP50": fp32[1]},
        "all_int8": all_int8,
        "per_block": per_block,
        "steps": steps,
        "keep_float": best["keep_float"],
        "drop_points": round(drop, 3),
        "goal_met": drop <= config.max_drop,
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    _plot(result, out.with_suffix(".png"))
    result["file"] = str(out)
    return result


def _plot(result: dict, path: Path) -> None:
    drop = (result["fp32"]["mAP50-95"] - result["all_int8"]["mAP50-95"]) * 100
    plot_per_block(
        result,
        path,
        ylabel="output error removed (%)",
        title=f"onnx-int8 sensitivity per block ({result['frames']} video frames): every block int8 loses "
        f"{drop:.2f} points (held-out folds)",
    )


def describe(result: dict) -> list[str]:
    fp32, all_int8 = result["fp32"]["mAP50-95"], result["all_int8"]["mAP50-95"]
    lines = [
        f"fp32 {fp32:.4f}, every block int8 {all_int8:.4f} ({(fp32 - all_int8) * 100:.2f} points lost, "
        f"{result['split']} split in {result['folds']} held-out folds)"
    ]
    for row in sorted(result["per_block"], key=lambda r: -r["gain"])[:5]:
        lines.append(f"  {row['block']:>14} in float removes {row['gain'] * 100:+.1f} % of the output error")
    for step in result["steps"][1:]:
        lines.append(f"  float {', '.join(step['keep_float'])}: mAP50-95 {step['mAP50-95']:.4f}")
    lines.append(conclusion(result))
    return lines


def main_analyse(config: OrtSensitivityConfig, force: bool) -> None:
    check_imgsz(config.imgsz)
    for line in describe(analyse(config, force=force)):
        print(line)
