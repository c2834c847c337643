"""Quantisation-aware fine-tuning (``smartcamrt-tools qat``): PT2E ``prepare_qat_pt2e`` on the detector's
body, trained with the project's YOLOv5 loss and fine-tune loop (:mod:`smartcamrt_tools.compression`) on
coco128's *training* split, on CPU.

1. The fused fp32 model's body (backbone, neck, head convolutions; see
   :mod:`smartcamrt_tools.export.int8_common`) is exported with a dynamic batch and prepared for QAT with
   the XNNPACK quantizer (per-channel symmetric int8 weights, int8 activations: the scheme of the PTQ rows),
   the sensitivity analysis' float blocks left unquantized and the Detect decode float, as in PTQ.
2. :func:`~smartcamrt_tools.compression.train.fine_tune` trains it through :class:`QatDetector`, which
   looks like a :class:`~smartcamrt_tools.yolov5.DetectionModel` to that loop (``detect``, ``_features``)
   while its forward runs the fake-quantized graph.
3. The trained weights go back into an fp32 checkpoint (BatchNorm set to the identity plus the fused bias,
   so the architecture and every export row are unchanged) saved as safetensors; the int8 rows then export
   it with their usual PTQ calibration -- the weights are what QAT changed.
4. Before and after, the same PT2E int8 simulation is scored on the *evaluation* split (never trained
   on), so the report says what QAT recovers.

Cached by recipe: the same settings return the saved result at once.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..assets import smartcamrt_home
from ..errors import ToolError

VERSION = 1


@dataclass(frozen=True)
class QatConfig:
    weights: str = "yolov5n.pt"
    imgsz: int = 320
    epochs: int = 3
    lr: float = 1e-4
    batch_size: int = 8
    seed: int = 0
    all_int8: bool = False  # True: no block kept float (what QAT recovers where PTQ loses most)


class QatDetector(nn.Module):
    """A QAT-prepared body plus the float decode, shaped like a DetectionModel for the fine-tune loop."""

    def __init__(self, graph: torch.fx.GraphModule, decode: nn.Module):
        super().__init__()
        self.graph = graph
        self.decode = decode

    @property
    def detect(self) -> nn.Module:
        return self.decode  # na, no, nl, nc, anchors; its convs are identities (they live in the graph)

    def _features(self, x: torch.Tensor) -> list[torch.Tensor]:
        return list(self.graph(x))  # the head convolutions' outputs: raw_outputs reshapes them

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self._features(x))

    def train(self, mode: bool = True):
        from torchao.quantization.pt2e import move_exported_model_to_eval, move_exported_model_to_train

        (move_exported_model_to_train if mode else move_exported_model_to_eval)(self.graph)
        self.training = mode
        self.decode.train(mode)
        return self


def prepare_qat(model: nn.Module, imgsz: int, keep_float: list[str]) -> QatDetector:
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantize_pt2e import prepare_qat_pt2e

    from ..export import int8_common

    body, decode = int8_common.split_decode(model)
    sample = torch.zeros(2, 3, imgsz, imgsz)
    batch = torch.export.Dim("batch", min=1, max=64)
    graph = torch.export.export(body, (sample,), dynamic_shapes=({0: batch},), strict=False).module()
    quantizer = XNNPACKQuantizer().set_global(
        get_symmetric_quantization_config(is_per_channel=True, is_qat=True)
    )
    prepared = prepare_qat_pt2e(graph, int8_common.keep_float_quantizer(quantizer, keep_float))
    return QatDetector(prepared, decode)


def trained_fp32(model: nn.Module, qat: QatDetector) -> nn.Module:
    """The fused fp32 model with the QAT graph's trained weights copied in (matched by name)."""
    trained = copy.deepcopy(model)
    state = trained.state_dict()
    graph_state = qat.graph.state_dict()
    copied = 0
    for name, value in graph_state.items():
        if name in state and state[name].shape == value.shape:
            state[name] = value.detach().clone()
            copied += 1
    expected = sum(1 for name in state if name.endswith((".weight", ".bias")) and "anchor" not in name)
    if copied < expected:
        raise ToolError(f"QAT: {copied} of {expected} trained tensors found back by name")
    trained.load_state_dict(state)
    return trained.eval()


def unfused_checkpoint(fused: nn.Module, base_unfused: nn.Module) -> nn.Module:
    """An unfused DetectionModel computing what ``fused`` does: each Conv's weight from the fused conv,
    its BatchNorm the identity (weight 1, running mean 0, running var 1 - eps) with the fused bias."""
    from ..yolov5.layers import Conv

    out = copy.deepcopy(base_unfused).eval()
    fused_modules = dict(fused.named_modules())
    with torch.no_grad():
        for name, module in out.named_modules():
            if isinstance(module, Conv) and hasattr(module, "bn"):
                conv = fused_modules[name].conv
                module.conv.weight.copy_(conv.weight)
                module.bn.weight.fill_(1.0)
                module.bn.bias.copy_(conv.bias)
                module.bn.running_mean.zero_()
                module.bn.running_var.fill_(1.0 - module.bn.eps)
        for j, conv in enumerate(fused.detect.m):
            out.detect.m[j].weight.copy_(conv.weight)
            out.detect.m[j].bias.copy_(conv.bias)
    return out


def result_path(stem: str, imgsz: int) -> Path:
    return smartcamrt_home() / "quantization" / f"{stem}-{imgsz}.qat.json"


def run_qat(config: QatConfig, out: Path | None = None, force: bool = False, progress: bool = True) -> dict:
    from ..assets import resolve_weights
    from ..checkpoint import load_checkpoint
    from ..compression.data import load_train_set
    from ..compression.store import save_compressed
    from ..compression.train import FineTuneConfig, fine_tune
    from ..export import int8_common
    from ..yolov5 import build_from_checkpoint
    from .sensitivity import quantize_variant
    from .torch_map import load_split, model_map

    source = resolve_weights(config.weights)
    checkpoint = load_checkpoint(source)
    input_hw = (config.imgsz, config.imgsz)
    keep_float, keep_source = int8_common.keep_float_blocks(input_hw)
    if config.all_int8:
        keep_float, keep_source = [], "none (--all-int8)"
    key = {
        "version": VERSION,
        "weights_sha256": checkpoint.sha256,
        "keep_float": keep_float,
        **asdict(config),
    }
    key.pop("weights")
    stem = f"{source.stem}-qat{'-all' if config.all_int8 else ''}"
    cache = result_path(stem, config.imgsz)
    out_dir = Path(out).expanduser() if out else smartcamrt_home() / "models"
    weights_file = out_dir / f"{stem}-{config.imgsz}.safetensors"
    if cache.is_file() and weights_file.is_file() and not force:
        cached = json.loads(cache.read_text())
        if cached.get("key") == key:
            print(f"cached: {cache} (--force to train again)", file=sys.stderr)
            return cached

    torch.manual_seed(config.seed)
    base = build_from_checkpoint(checkpoint, fuse=True).eval()
    evaluation = load_split("eval", input_hw)
    sample = torch.zeros(1, 3, *input_hw)
    batches = int8_common.calibration_batches(input_hw)
    fp32_eval = model_map(base, evaluation)
    ptq_eval = model_map(quantize_variant(base, sample, batches, keep_float), evaluation)
    print(f"before QAT (eval split): fp32 {fp32_eval[0]:.4f}, PTQ int8 {ptq_eval[0]:.4f}", file=sys.stderr)

    qat = prepare_qat(copy.deepcopy(base), config.imgsz, keep_float)
    with torch.no_grad():  # observers see real ranges before the first step
        for batch in batches:
            qat.graph(torch.from_numpy(batch))
    data = load_train_set(config.imgsz)
    tune = FineTuneConfig(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, seed=config.seed)
    history = fine_tune(qat, data, tune, description="QAT", show_progress=progress)
    trained = trained_fp32(base, qat)

    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e

    qat_int8 = int8_common.Joined(convert_pt2e(qat.graph), qat.decode.eval())
    qat_sim_eval = model_map(qat_int8, evaluation)
    qat_ptq_eval = model_map(quantize_variant(trained, sample, batches, keep_float), evaluation)
    qat_fp32_eval = model_map(trained, evaluation)
    print(
        f"after QAT (eval split): QAT graph int8 {qat_sim_eval[0]:.4f}, its weights re-calibrated int8 "
        f"{qat_ptq_eval[0]:.4f}, its weights fp32 {qat_fp32_eval[0]:.4f}",
        file=sys.stderr,
    )
    unfused = unfused_checkpoint(trained, build_from_checkpoint(checkpoint))
    with torch.no_grad():
        check = torch.rand(1, 3, *input_hw)
        if not torch.allclose(unfused(check), trained(check), atol=1e-2, rtol=1e-4):
            raise ToolError("QAT: the unfused checkpoint does not compute what the trained model does")
    recipe_hash = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    save_compressed(
        weights_file,
        unfused,
        checkpoint.names,
        checkpoint.stride,
        checkpoint.bn_eps,
        {"qat": {**asdict(config), "keep_float": keep_float}, "cache_key": recipe_hash},
    )
    result = {
        "key": key,
        "stem": stem,
        "weights_file": str(weights_file),
        "keep_float": keep_float,
        "keep_float_source": keep_source,
        "scheme": "PT2E prepare_qat_pt2e, XNNPACK quantizer (per-channel symmetric int8 weights, "
        "int8 activations)",
        "train": f"coco128 train split, {len(data)} images",
        "eval_split": f"coco128 eval split, {len(evaluation)} images (PyTorch int8 simulation)",
        "history": history,
        "eval": {
            "fp32": _pair(fp32_eval),
            "ptq_int8": _pair(ptq_eval),
            "qat_int8": _pair(qat_sim_eval),
            "qat_weights_ptq_int8": _pair(qat_ptq_eval),
            "qat_weights_fp32": _pair(qat_fp32_eval),
        },
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _pair(scores: tuple[float, float]) -> dict:
    return {"mAP50-95": round(scores[0], 6), "mAP50": round(scores[1], 6)}


def export_qat(result: dict, format_name: str, out: Path | None, agreement_images: int = 64) -> Path:
    """The QAT weights through an int8 row (PTQ calibration as usual; the weights are QAT's), with the
    row's ``quantization`` record and a ``qat`` record added to the manifest."""
    from ..assets import resolve_weights
    from ..checkpoint import load_checkpoint
    from ..compression.export import export_compressed
    from ..compression.store import load_compressed
    from ..export import FORMATS, int8_common
    from ..export.manifest import manifest_path

    fmt = FORMATS[format_name]
    if fmt.quantization_record is None:
        raise ToolError(f"--export {format_name}: QAT exports through a PT2E/NNCF int8 row")
    weights_file = Path(result["weights_file"])
    compressed = load_compressed(weights_file)
    base = load_checkpoint(resolve_weights("yolov5n.pt"))
    imgsz = result["key"]["imgsz"]
    saved = int8_common.KEEP_FLOAT_OVERRIDE
    int8_common.KEEP_FLOAT_OVERRIDE = list(result["keep_float"])  # the blocks QAT trained float
    try:
        artifact = export_compressed(
            compressed.model,
            base,
            weights_file,
            format_name,
            out or smartcamrt_home() / "models",
            result["stem"],
            imgsz,
            {"method": "qat", **{k: v for k, v in result.items() if k in ("scheme", "train", "keep_float")}},
            agreement_images=agreement_images,
        )
        manifest_file = manifest_path(artifact)
        manifest = json.loads(manifest_file.read_text())
        manifest["quantization"] = fmt.quantization_record((imgsz, imgsz))
        manifest["quantization"]["qat"] = {"eval_simulated": result["eval"], "history": result["history"]}
        manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")
    finally:
        int8_common.KEEP_FLOAT_OVERRIDE = saved
    return artifact


def main_qat(config: QatConfig, out: str | None, force: bool, export: str | None = None) -> None:
    result = run_qat(config, Path(out) if out else None, force)
    ev = result["eval"]
    fp32 = ev["fp32"]["mAP50-95"]
    for label, name in (
        ("PTQ int8", "ptq_int8"),
        ("QAT int8", "qat_int8"),
        ("QAT weights, PTQ", "qat_weights_ptq_int8"),
    ):
        value = ev[name]["mAP50-95"]
        print(f"{label:>17}: mAP50-95 {value:.4f} ({(value - fp32) * 100:+.2f} points vs fp32 {fp32:.4f})")
    print(result["weights_file"])
    if export:
        print(export_qat(result, export, Path(out) if out else None))
