"""Saving and loading a compressed YOLOv5 (its channel counts may differ from the architecture config).

A ``.safetensors`` file holds the (unfused) state dict; its metadata holds the architecture config, the
class names, strides and BatchNorm eps of the base checkpoint, the cache key and the recipe. Nothing is
pickled. :func:`load_compressed` rebuilds the network from the config and then resizes every Conv2d and
BatchNorm2d to the shapes the saved tensors have, so a channel-pruned model loads without a description of
what was removed: the weights are the description.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import ToolError
from ..yolov5 import DetectionModel


@dataclass
class CompressedWeights:
    model: DetectionModel
    names: list[str]
    stride: list[int]
    bn_eps: float | None
    metadata: dict[str, Any]  # cache_key, recipe, ... (decoded JSON)


def save_compressed(
    path: Path,
    model: DetectionModel,
    names: list[str],
    stride: list[int],
    bn_eps: float | None,
    metadata: dict[str, Any],
) -> Path:
    state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    header = {
        "config": json.dumps(model.config),
        "names": json.dumps(names),
        "stride": json.dumps(stride),
        "bn_eps": json.dumps(bn_eps),
        **{key: json.dumps(value) for key, value in metadata.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file(state, str(tmp), metadata=header)
    tmp.replace(path)
    return path


def read_metadata(path: Path) -> dict[str, Any]:
    with safe_open(str(path), framework="pt") as handle:
        raw = handle.metadata() or {}
    return {key: json.loads(value) for key, value in raw.items()}


def load_compressed(path: Path) -> CompressedWeights:
    try:
        meta = read_metadata(path)
        state = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types
        raise ToolError(f"{path}: not a compressed-model safetensors file ({exc})") from exc
    if "config" not in meta:
        raise ToolError(f"{path}: no architecture config in its metadata")
    model = DetectionModel(meta["config"], bn_eps=meta.get("bn_eps"))
    conform_to_state_dict(model, state)
    model.load_state_dict(state, strict=True)
    model.eval().requires_grad_(False)
    extra = {k: v for k, v in meta.items() if k not in ("config", "names", "stride", "bn_eps")}
    return CompressedWeights(model, meta["names"], meta["stride"], meta.get("bn_eps"), extra)


def conform_to_state_dict(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Replace every Conv2d / BatchNorm2d whose shape differs from ``state``'s with one that fits."""
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.Conv2d):
            weight = state.get(f"{name}.weight")
            if weight is None or weight.shape == module.weight.shape:
                continue
            replacement = nn.Conv2d(
                weight.shape[1] * module.groups,
                weight.shape[0],
                module.kernel_size,
                module.stride,
                module.padding,
                module.dilation,
                module.groups,
                bias=module.bias is not None,
            )
        elif isinstance(module, nn.BatchNorm2d):
            mean = state.get(f"{name}.running_mean")
            if mean is None or mean.shape[0] == module.num_features:
                continue
            replacement = nn.BatchNorm2d(mean.shape[0], eps=module.eps, momentum=module.momentum)
        else:
            continue
        parent_name, _, attr = name.rpartition(".")
        setattr(model.get_submodule(parent_name) if parent_name else model, attr, replacement)
