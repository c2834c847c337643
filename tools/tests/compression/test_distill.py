from __future__ import annotations

import torch

from smartcamrt_tools.compression.distill import binary_kl, distillation_loss
from smartcamrt_tools.compression.loss import raw_outputs
from smartcamrt_tools.compression.prune import prune_channels

from .conftest import build_tiny


def test_distillation_loss_is_zero_when_student_equals_teacher(tiny_model):
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        levels = raw_outputs(tiny_model, images)
    total, parts = distillation_loss(levels, levels)
    assert total.item() == 0.0 and parts.abs().max().item() == 0.0


def test_distillation_loss_is_positive_and_pulls_the_student_towards_the_teacher(tiny_model):
    images = torch.rand(2, 3, 64, 64)
    student = prune_channels(build_tiny(seed=1), 0.5, imgsz=64)
    with torch.no_grad():
        teacher_levels = raw_outputs(tiny_model, images)
    student.requires_grad_(True)
    total, _ = distillation_loss(raw_outputs(student, images), teacher_levels)
    assert total.item() > 0
    total.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())


def test_binary_kl_is_non_negative_and_zero_only_at_equality():
    t = torch.linspace(-6, 6, 25)
    s = t.flip(0)
    kl = binary_kl(t, s)
    assert (kl >= 0).all()
    assert binary_kl(t, t).abs().max() == 0
    assert kl[0] > 0
