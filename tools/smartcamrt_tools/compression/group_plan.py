"""Per-group structured pruning chosen by measured sensitivity, instead of one ratio everywhere.

A *group* is the set of channels torch-pruning's dependency graph ties together (a conv's outputs with
its BatchNorm, every consumer's inputs, and every layer joined to it by a residual add), named by its
root conv. Every group pruned 10 % at once leaves yolov5n at mAP 0, while one group pruned alone costs
about half a point (docs/compression.md): the cost is in how many groups are cut, so cut the cheap ones
more and the sensitive ones not at all.

- :func:`group_sensitivity`: each group pruned alone at each probe ratio (lowest group L2 first, no
  ``round_to``: the narrow 16-channel layers are not halved), scored by a caller's function (here mAP on
  the *training* split, never the evaluation split) and by the FLOPs it saves.
- :func:`plan_ratios`: greedy, cheapest first by score lost per FLOP saved, each group at its highest
  affordable probe ratio, until the pruned model's measured FLOPs reach ``target`` x the base's.
- :func:`prune_groups`: applies a ``{root conv name: ratio}`` plan in place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from ..yolov5 import DetectionModel
from .prune import count_cost


def _graph(model: DetectionModel, imgsz: int):
    import torch_pruning as tp

    model.eval().requires_grad_(True)  # the dependency graph is traced through autograd
    return tp.DependencyGraph().build_dependency(model, example_inputs=torch.zeros(1, 3, imgsz, imgsz))


def _ignored(model: DetectionModel) -> list[nn.Module]:
    # Detect's outputs feed the decode (na * (5 + nc)); the stem keeps its 16 channels
    return [*model.detect.modules(), *model.model[0].modules()]


def group_names(model: DetectionModel, imgsz: int = 320) -> list[str]:
    """Root conv names of every prunable channel group, in graph order."""
    graph = _graph(model, imgsz)
    names = {module: name for name, module in model.named_modules()}
    roots = [
        names[group[0].dep.target.module]
        for group in graph.get_all_groups(ignored_layers=_ignored(model), root_module_types=[nn.Conv2d])
    ]
    model.requires_grad_(False)
    return roots


def prune_groups(model: DetectionModel, plan: dict[str, float], imgsz: int = 320) -> DetectionModel:
    """Remove ``ratio`` of each named group's channels (lowest group L2 magnitude), in place."""
    import torch_pruning as tp

    graph = _graph(model, imgsz)
    modules = dict(model.named_modules())
    importance = tp.importance.GroupMagnitudeImportance(p=2)
    for name, ratio in plan.items():
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f"group {name}: ratio must be in [0, 1), got {ratio}")
        root = modules[name]
        channels = root.out_channels
        count = min(int(channels * ratio), channels - 1)
        if count < 1:
            continue
        group = graph.get_pruning_group(root, tp.prune_conv_out_channels, list(range(channels)))
        drop = torch.argsort(importance(group))[:count].tolist()
        graph.get_pruning_group(root, tp.prune_conv_out_channels, drop).prune()
    return model.requires_grad_(False)


@dataclass(frozen=True)
class GroupCost:
    group: str
    ratio: float
    score_drop: float  # base score - score with this group alone pruned (positive: worse)
    flops_saved: int

    def to_dict(self) -> dict:
        return asdict(self)


def group_sensitivity(
    model: DetectionModel,
    score: Callable[[DetectionModel], float],
    ratios: tuple[float, ...] = (0.25, 0.5),
    imgsz: int = 320,
    progress: Callable[[int, int, str], None] | None = None,
    groups: list[str] | None = None,
) -> tuple[float, list[GroupCost]]:
    """The base score and every (group, ratio) pruned alone (``groups``: default all): score lost and
    FLOPs saved."""
    base_score, base_flops = score(model), count_cost(model, imgsz).flops
    names = group_names(model, imgsz) if groups is None else groups
    costs, total = [], len(names) * len(ratios)
    for name in names:
        for ratio in ratios:
            trial = prune_groups(copy.deepcopy(model), {name: ratio}, imgsz)
            saved = base_flops - count_cost(trial, imgsz).flops
            costs.append(GroupCost(name, ratio, base_score - score(trial), saved))
            if progress is not None:
                progress(len(costs), total, name)
    return base_score, costs


def plan_ratios(
    model: DetectionModel, costs: list[GroupCost], target: float, imgsz: int = 320
) -> tuple[dict[str, float], float]:
    """The greedy plan (see the module doc) and its measured FLOPs ratio; stops at ``target``."""
    base_flops = count_cost(model, imgsz).flops
    ranked = sorted(
        (c for c in costs if c.flops_saved > 0),
        # score lost per FLOP saved; among equals (e.g. no loss at all) the bigger saving first
        key=lambda c: (max(c.score_drop, 0.0) / c.flops_saved, -c.flops_saved),
    )
    plan: dict[str, float] = {}
    ratio = 1.0
    for cost in ranked:
        if plan.get(cost.group, 0.0) >= cost.ratio:
            continue
        plan[cost.group] = cost.ratio
        ratio = count_cost(prune_groups(copy.deepcopy(model), plan, imgsz), imgsz).flops / base_flops
        if ratio <= target:
            break
    return plan, ratio
