"""Distillation without labels: the student matches the fp32 teacher's Detect outputs on unlabelled images.

The loss is :func:`~.distill.distillation_loss` alone (no detection loss: there are no labels), on the
images of :mod:`.frames` (video frames + the training split), with the optimiser, weight decay and
learning-rate schedule of :mod:`.train`. ``freeze_bn`` keeps every BatchNorm in eval mode (its
statistics stay the teacher's, its affine parameters still train): the video frames are a narrow
domain (street scenes, people), and re-estimating the statistics on them moves them away from COCO's.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from ..yolov5 import DetectionModel
from .distill import distillation_loss
from .loss import raw_outputs
from .train import FineTuneConfig, _lr_at, progress, sgd_for, sgd_step


def _set_train_mode(model: nn.Module, freeze_bn: bool) -> None:
    model.train()
    if freeze_bn:
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.eval()


def distill_unlabelled(
    student: DetectionModel,
    teacher: DetectionModel,
    images: torch.Tensor,
    config: FineTuneConfig,
    freeze_bn: bool = True,
    show_progress: bool = True,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """Train ``student`` in place to match ``teacher`` on ``images`` (uint8 ``[N, 3, S, S]``); per-epoch
    mean distillation losses."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    student.requires_grad_(True)
    _set_train_mode(student, freeze_bn)
    optimizer = sgd_for(student, config)
    teacher.eval().requires_grad_(False)
    steps_per_epoch = math.ceil(images.shape[0] / config.batch_size)
    total_steps, step, history = steps_per_epoch * config.epochs, 0, []
    bar = progress(total_steps, "distilling (unlabelled)") if show_progress else None
    try:
        for epoch in range(config.epochs):
            sums = torch.zeros(3)
            order = torch.randperm(images.shape[0], generator=generator)
            for start in range(0, images.shape[0], config.batch_size):
                batch = images[order[start : start + config.batch_size]].float() / 255.0
                if config.flip:
                    flip = torch.rand(batch.shape[0], generator=generator) < 0.5
                    batch[flip] = batch[flip].flip(-1)
                lr = _lr_at(step, total_steps, steps_per_epoch, config.lr)
                with torch.no_grad():
                    target = raw_outputs(teacher, batch)
                loss, parts = distillation_loss(raw_outputs(student, batch), target)
                sgd_step(optimizer, student, loss, lr)
                sums += parts
                step += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(epoch=f"{epoch + 1}/{config.epochs}", kd=f"{loss.item():.4f}")
            mean = (sums / steps_per_epoch).tolist()
            history.append(
                {"epoch": epoch + 1, "lr": lr, "kd_obj": mean[0], "kd_cls": mean[1], "kd_box": mean[2]}
            )
            if bar is None:
                log(f"epoch {epoch + 1}/{config.epochs}: kd {sum(mean):.5f}")
    finally:
        if bar is not None:
            bar.close()
    student.eval().requires_grad_(False)
    return history
