"""Pruning YOLOv5: unstructured (zeros in place) and structured (channels removed), plus cost counts.

- :func:`prune_unstructured`: ``torch.nn.utils.prune.l1_unstructured`` on every convolution weight outside
  the Detect head, per layer (each layer loses the same fraction of its smallest-magnitude weights). The
  masks stay as forward pre-hooks while fine-tuning (pruned weights stay zero);
  :func:`make_pruning_permanent` folds them into the weights. The tensor shapes do not change: whether this
  saves time depends on a runtime exploiting zeros (docs/compression.md: none here does).
- :func:`prune_channels`: ``torch-pruning``'s dependency graph removes whole output channels -- with the
  input channels of every consumer, across C3 concatenations, residual adds (Bottleneck) and SPPF -- by
  group L2 magnitude, the same fraction in every prunable layer. The Detect convolutions keep their outputs
  (the decode and the engine depend on ``na * (5 + nc)``); their inputs shrink with the neck. The stem conv
  keeps its 16 channels, and every pruned layer keeps a multiple of 8 channels (``round_to``): CPU
  convolution kernels work in blocks of 8/16 channels, so a count in between costs as much as the next
  block and saves nothing.
- :func:`count_cost`: parameters and conv FLOPs (2 x multiply-accumulates of every Conv2d, at the given
  input size; the few element-wise ops are left out, as YOLOv5's own GFLOPs figure does).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils import prune

from ..yolov5 import DetectionModel

ROUND_TO = 8


def prunable_convs(model: DetectionModel) -> list[tuple[str, nn.Conv2d]]:
    """Every Conv2d outside the Detect head, with its name."""
    head = {id(m) for m in model.detect.modules()}
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and id(m) not in head]


def prune_unstructured(model: DetectionModel, ratio: float) -> DetectionModel:
    """Zero the ``ratio`` smallest-|w| weights of every conv outside Detect (masks kept; see module doc)."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"pruning ratio must be in [0, 1), got {ratio}")
    for _, conv in prunable_convs(model):
        prune.l1_unstructured(conv, name="weight", amount=ratio)
    return model


def make_pruning_permanent(model: nn.Module) -> nn.Module:
    """Fold every ``torch.nn.utils.prune`` mask into its weight (a plain Parameter again)."""
    for module in model.modules():
        if prune.is_pruned(module) and hasattr(module, "weight_orig"):
            prune.remove(module, "weight")
    return model


def prune_channels(
    model: DetectionModel, ratio: float, imgsz: int = 320, round_to: int | None = ROUND_TO
) -> DetectionModel:
    """Remove ``ratio`` of the channels of every prunable layer in place (see the module docstring)."""
    import torch_pruning as tp

    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"pruning ratio must be in [0, 1), got {ratio}")
    if ratio == 0.0:
        return model
    model.eval().requires_grad_(True)  # the dependency graph is traced through autograd
    example = torch.zeros(1, 3, imgsz, imgsz)
    stem = model.model[0]
    pruner = tp.pruner.MetaPruner(
        model,
        example,
        importance=tp.importance.GroupMagnitudeImportance(p=2),
        pruning_ratio=ratio,
        ignored_layers=[model.detect, stem],
        round_to=round_to,
    )
    pruner.step()
    return model.requires_grad_(False)


def conv_channels(model: nn.Module) -> dict[str, int]:
    """Output channels of every Conv2d by name (what structured pruning changes)."""
    return {n: m.out_channels for n, m in model.named_modules() if isinstance(m, nn.Conv2d)}


@dataclass(frozen=True)
class Cost:
    params: int
    flops: int  # 2 x conv multiply-accumulates at ``imgsz``
    imgsz: int
    zero_weights: int  # conv weights that are exactly zero (unstructured pruning)
    conv_weights: int

    @property
    def sparsity(self) -> float:
        return self.zero_weights / self.conv_weights if self.conv_weights else 0.0

    def to_dict(self) -> dict:
        return {
            "params": self.params,
            "flops": self.flops,
            "gflops": round(self.flops / 1e9, 4),
            "flops_imgsz": self.imgsz,
            "conv_weight_sparsity": round(self.sparsity, 4),
        }


@torch.no_grad()
def count_cost(model: nn.Module, imgsz: int) -> Cost:
    """Parameters, conv FLOPs at ``imgsz`` x ``imgsz`` (forward hooks on every Conv2d) and sparsity."""
    macs = []

    def hook(conv: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        kernel = conv.kernel_size[0] * conv.kernel_size[1] * conv.in_channels // conv.groups
        macs.append(output.numel() * kernel)

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    handles = [conv.register_forward_hook(hook) for conv in convs]
    was_training = model.training
    try:
        model.eval()
        model(torch.zeros(1, 3, imgsz, imgsz))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    weights = [conv.weight for conv in convs]
    return Cost(
        params=sum(p.numel() for p in model.parameters()),
        flops=2 * sum(macs),
        imgsz=imgsz,
        zero_weights=int(sum((w == 0).sum().item() for w in weights)),
        conv_weights=sum(w.numel() for w in weights),
    )
