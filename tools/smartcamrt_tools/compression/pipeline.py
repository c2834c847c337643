"""``smartcamrt compress prune|distill``: base checkpoint -> pruned -> fine-tuned -> exported, cached.

One recipe (:class:`Recipe`) names everything that decides the result: the base checkpoint, the method
(``structured`` removes channels, ``unstructured`` zeroes weights), the ratio, the input size, the
fine-tune settings and, for ``distill``, the teacher (the base checkpoint itself, fp32) and the
distillation weight. Its hash, with the training images' hash and the torch / torch-pruning versions, is
the cache key:

- ``<stem>-<imgsz>.safetensors``: the pruned, fine-tuned weights (unfused; metadata: architecture, cache key,
  recipe, per-epoch losses, parameters and FLOPs) -- reused when the key matches, so exporting another format
  does not train again;
- ``<stem>-<imgsz><suffix>`` + ``.json``: the artifact and its manifest (``compression`` record with the same
  key); returned at once when the key matches, the parity check passed and the files hash as recorded.

Stems: ``yolov5n-prune-s35-e10`` (structured, 35 % of channels, 10 epochs), ``yolov5n-prune-u50-e0``
(unstructured, 50 % of conv weights, no fine-tune), ``yolov5n-distill-s35-e10`` (structured 35 %,
fine-tuned with the fp32 teacher). Fine-tuning reads coco128's *train* split only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..assets import resolve_weights, smartcamrt_home
from ..checkpoint import file_sha256, load_checkpoint
from ..errors import ToolError
from ..export.formats import get_format
from ..export.manifest import read_manifest
from ..export.pipeline import artifact_name
from ..model_files import model_files
from ..yolov5 import build_from_checkpoint
from .data import load_train_set
from .export import export_compressed
from .prune import count_cost, make_pruning_permanent, prune_channels, prune_unstructured
from .store import load_compressed, read_metadata, save_compressed
from .train import FineTuneConfig, fine_tune

METHODS = ("structured", "unstructured")
# Bump when the code changes what a recipe produces, so that old cached results are not reused.
RECIPE_VERSION = 2  # 2: lr 0.001, BatchNorm momentum 0.03


@dataclass(frozen=True)
class Recipe:
    method: str = "structured"
    ratio: float = 0.35
    imgsz: int = 320
    weights: str = "yolov5n.pt"
    distill: bool = False
    distill_weight: float = 1.0
    train: FineTuneConfig = field(default_factory=FineTuneConfig)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ToolError(f"unknown pruning method '{self.method}': choose {' or '.join(METHODS)}")
        if not 0.0 <= self.ratio < 1.0:
            raise ToolError(f"--ratio {self.ratio}: must be in [0, 1)")
        if self.distill and self.train.epochs < 1:
            raise ToolError("distillation needs at least one epoch (--epochs)")

    def stem(self, base_stem: str) -> str:
        kind = "distill" if self.distill else "prune"
        return f"{base_stem}-{kind}-{self.method[0]}{round(self.ratio * 100)}-e{self.train.epochs}"

    def to_dict(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["train"] = self.train.to_dict()
        if not self.distill:
            record.pop("distill_weight")
            record["train"].pop("distill_weight")
        return record


def default_out() -> Path:
    return smartcamrt_home() / "models"


def cache_key(recipe: Recipe, base_sha256: str, train_sha256: str) -> str:
    import torch_pruning

    fields = {
        "recipe": recipe.to_dict(),
        "version": RECIPE_VERSION,
        "base_sha256": base_sha256,
        "train_sha256": train_sha256,
        "torch": torch.__version__,
        "torch_pruning": torch_pruning.__version__,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def compress(
    recipe: Recipe,
    format_name: str = "onnx",
    out: str | Path | None = None,
    threads: int | None = None,
    agreement_images: int | None = 64,
    show_progress: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Build (or take from the cache) the compressed model of ``recipe`` as ``format_name``; the artifact."""
    fmt = get_format(format_name)
    if threads:
        torch.set_num_threads(threads)
    out_dir = Path(out).expanduser().resolve() if out else default_out()
    source = resolve_weights(recipe.weights)
    base = load_checkpoint(source)
    data = load_train_set(recipe.imgsz)
    key = cache_key(recipe, base.sha256, data.sha256)
    stem = recipe.stem(source.stem)
    artifact = out_dir / artifact_name(stem, (recipe.imgsz, recipe.imgsz), fmt.suffix)
    if _cached_artifact(artifact, key):
        log(f"{artifact.name}: up to date (cache key {key[:12]}), nothing to do")
        return artifact

    weights_file = out_dir / f"{stem}-{recipe.imgsz}.safetensors"
    model, record = _compressed_model(recipe, base, data, key, weights_file, show_progress, log)
    return export_compressed(
        model,
        base,
        weights_file,
        fmt.name,
        out_dir,
        stem,
        recipe.imgsz,
        {**record, "cache_key": key},
        agreement_images=agreement_images,
        log=log,
    )


def _cached_artifact(artifact: Path, key: str) -> bool:
    manifest = read_manifest(artifact) if artifact.is_file() else None
    if not manifest or manifest.get("compression", {}).get("cache_key") != key:
        return False
    if not manifest.get("parity", {}).get("passed"):
        return False
    recorded = {entry["file"]: entry["sha256"] for entry in manifest.get("files", [])}
    files = model_files(artifact)
    return all(path.is_file() and recorded.get(path.name) == file_sha256(path) for path in files)


def _compressed_model(recipe, base, data, key, weights_file, show_progress, log):
    if weights_file.is_file():
        meta = read_metadata(weights_file)
        if meta.get("cache_key") == key:
            log(f"{weights_file.name}: weights up to date (cache key {key[:12]}), training skipped")
            return load_compressed(weights_file).model, meta["compression"]

    model = build_from_checkpoint(base)
    before = count_cost(model, recipe.imgsz)
    log(
        f"base {base.path.name}: {before.params:,} parameters, {before.flops / 1e9:.3f} GFLOPs at "
        f"{recipe.imgsz}; {recipe.method} pruning {recipe.ratio:.0%}"
    )
    if recipe.method == "structured":
        prune_channels(model, recipe.ratio, recipe.imgsz)
    else:
        prune_unstructured(model, recipe.ratio)
    after_prune = count_cost(model, recipe.imgsz)
    log(
        f"pruned: {after_prune.params:,} parameters, {after_prune.flops / 1e9:.3f} GFLOPs, "
        f"conv weight sparsity {after_prune.sparsity:.1%}"
    )
    teacher = build_from_checkpoint(base) if recipe.distill else None
    train = dataclasses.replace(recipe.train, distill_weight=recipe.distill_weight if recipe.distill else 0.0)
    history: list[dict] = []
    seconds = 0.0
    if train.epochs > 0:
        what = "distilling" if teacher is not None else "fine-tuning"
        log(
            f"{what} {train.epochs} epochs on {len(data)} training images ({recipe.imgsz}x{recipe.imgsz}, "
            f"batch {train.batch_size}, lr {train.lr}, seed {train.seed})"
        )
        start = time.monotonic()
        history = fine_tune(
            model, data, train, teacher, description=what, show_progress=show_progress, log=log
        )
        seconds = time.monotonic() - start
    make_pruning_permanent(model)
    model.eval().requires_grad_(False)
    after = count_cost(model, recipe.imgsz)
    record = {
        "method": recipe.method,
        "ratio": recipe.ratio,
        "recipe": recipe.to_dict(),
        "teacher": (
            {"path": str(base.path), "sha256": base.sha256, "precision": "fp32"} if recipe.distill else None
        ),
        "train_images": len(data),
        "train_split": "train: last 64 of coco128's 128 images by name (evaluation/split.py)",
        "train_seconds": round(seconds, 1),
        "history": history,
        "base": before.to_dict(),
        "pruned": after.to_dict(),
        "params_ratio": round(after.params / before.params, 4),
        "flops_ratio": round(after.flops / before.flops, 4),
    }
    save_compressed(
        weights_file,
        model,
        base.names,
        base.stride,
        base.bn_eps,
        {"cache_key": key, "compression": record},
    )
    log(f"weights: {weights_file}")
    return model, record
