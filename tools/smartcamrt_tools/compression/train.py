"""A small CPU fine-tuning loop for YOLOv5 (the detection loss, optionally plus distillation).

SGD with Nesterov momentum 0.937 and weight decay 5e-4 on the convolution weights only (not on BatchNorm
or biases), as YOLOv5 groups its parameters; the learning rate warms up linearly over the first epoch from
a tenth of ``lr`` and then follows a cosine to ``lr / 100``. BatchNorm trains (its statistics follow the
pruned network) with YOLOv5's momentum 0.03. Everything random -- the batch order, the flips -- comes from
one generator seeded with ``seed``, and torch's global seed is set too, so a run on the same machine is
repeatable.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from ..yolov5 import DetectionModel
from .data import TrainSet
from .distill import distillation_loss
from .loss import YoloLoss, raw_outputs


@dataclass(frozen=True)
class FineTuneConfig:
    epochs: int = 10
    batch_size: int = 8
    # 0.01 is YOLOv5's from-scratch rate for one step per 64 images; here a step comes every batch (8),
    # and at 0.01 three epochs took the unpruned model from mAP50-95 0.278 to 0.0001 (docs/compression.md).
    lr: float = 0.001
    momentum: float = 0.937
    weight_decay: float = 5e-4
    seed: int = 0
    flip: bool = True
    bn_momentum: float = 0.03  # YOLOv5's; torch's 0.1 lets a few batches of 8 rewrite the statistics
    distill_weight: float = 0.0  # > 0 with a teacher: detection loss + weight * distillation loss

    def to_dict(self) -> dict:
        return asdict(self)


def progress(total: int, description: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="batch", file=sys.stderr, dynamic_ncols=True, leave=True)


def _param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad:
                continue
            if isinstance(module, nn.Conv2d) and name in ("weight", "weight_orig"):
                decay.append(param)
            else:
                no_decay.append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def sgd_for(model: nn.Module, config: FineTuneConfig) -> torch.optim.SGD:
    """YOLOv5's optimiser: SGD with Nesterov momentum, weight decay on conv and linear weights only. Also sets
    the BatchNorm momentum of ``model``."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = config.bn_momentum
    return torch.optim.SGD(
        _param_groups(model, config.weight_decay), lr=config.lr, momentum=config.momentum, nesterov=True
    )


def sgd_step(optimizer: torch.optim.SGD, model: nn.Module, loss: torch.Tensor, lr: float) -> None:
    """One update at learning rate ``lr``, gradients clipped to norm 10 as YOLOv5 does."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
    optimizer.step()


def fine_tune(
    model: DetectionModel,
    data: TrainSet,
    config: FineTuneConfig,
    teacher: DetectionModel | None = None,
    description: str = "fine-tune",
    show_progress: bool = True,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """Train ``model`` in place on ``data``; returns one record per epoch (mean losses, lr)."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model.requires_grad_(True).train()
    optimizer = sgd_for(model, config)
    if teacher is not None:
        teacher.eval().requires_grad_(False)
    criterion = YoloLoss(model, data.imgsz)
    steps_per_epoch = math.ceil(len(data) / config.batch_size)
    total_steps, warmup = steps_per_epoch * config.epochs, steps_per_epoch
    history, step = [], 0
    bar = progress(total_steps, description) if show_progress else None
    try:
        for epoch in range(config.epochs):
            sums = torch.zeros(6)
            for images, targets in data.batches(config.batch_size, generator, flip=config.flip):
                lr = _lr_at(step, total_steps, warmup, config.lr)
                levels = raw_outputs(model, images)
                loss, parts = criterion(levels, targets)
                kd_parts = torch.zeros(3)
                if teacher is not None and config.distill_weight > 0:
                    with torch.no_grad():
                        teacher_levels = raw_outputs(teacher, images)
                    kd, kd_parts = distillation_loss(levels, teacher_levels)
                    loss = loss + config.distill_weight * kd
                sgd_step(optimizer, model, loss, lr)
                sums += torch.cat((parts, kd_parts))
                step += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(epoch=f"{epoch + 1}/{config.epochs}", loss=f"{loss.item():.3f}")
            mean = (sums / steps_per_epoch).tolist()
            record = {
                "epoch": epoch + 1,
                "lr": lr,
                "box": mean[0],
                "obj": mean[1],
                "cls": mean[2],
                "kd_obj": mean[3],
                "kd_cls": mean[4],
                "kd_box": mean[5],
            }
            history.append(record)
            if bar is None:
                log(
                    f"epoch {epoch + 1}/{config.epochs}: box {mean[0]:.4f} obj {mean[1]:.4f} "
                    f"cls {mean[2]:.4f}" + (f" kd {sum(mean[3:]):.4f}" if teacher is not None else "")
                )
    finally:
        if bar is not None:
            bar.close()
    model.eval().requires_grad_(False)
    return history


def _lr_at(step: int, total: int, warmup: int, lr: float) -> float:
    if step < warmup:
        return lr * (0.1 + 0.9 * step / warmup)
    progress_ = (step - warmup) / max(1, total - warmup)
    return lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress_)))
