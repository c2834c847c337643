"""Output distillation for YOLOv5: the student matches the teacher's Detect outputs, level by level.

Both networks keep the same Detect head outputs (structured pruning leaves them untouched), so the raw
per-level logits ``[B, na, ny, nx, 5 + nc]`` line up cell by cell. Per level:

- **objectness**: the binary KL divergence KL(teacher || student) of the objectness probability, averaged
  over every cell and anchor;
- **classes**: the binary KL of each class probability, averaged over classes, weighted by the teacher's
  objectness (where the teacher sees nothing, its class scores carry no knowledge);
- **box**: the squared difference of the sigmoid box outputs (the x, y, w, h parameterisation the
  decode uses), weighted by the teacher's objectness.

The levels are weighted as in the detection loss (4.0 / 1.0 / 0.4) and the sum is multiplied by the batch
size, like :class:`~.loss.YoloLoss`. Every term is exactly zero when the student equals the teacher.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def binary_kl(teacher_logits: torch.Tensor, student_logits: torch.Tensor) -> torch.Tensor:
    """Elementwise KL(Bernoulli(sigmoid(t)) || Bernoulli(sigmoid(s))), computed in log space."""
    t = teacher_logits.sigmoid()
    return t * (F.logsigmoid(teacher_logits) - F.logsigmoid(student_logits)) + (1 - t) * (
        F.logsigmoid(-teacher_logits) - F.logsigmoid(-student_logits)
    )


def distillation_loss(
    student: list[torch.Tensor], teacher: list[torch.Tensor], balance=(4.0, 1.0, 0.4)
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(total, [obj, cls, box] detached)`` of the student's raw levels against the teacher's."""
    obj = student[0].new_zeros(())
    cls, box = obj.clone(), obj.clone()
    for i, (s, t) in enumerate(zip(student, teacher, strict=True)):
        t = t.detach()
        weight = balance[i] if i < len(balance) else balance[-1]
        t_obj = t[..., 4].sigmoid()
        norm = t_obj.sum().clamp(min=1e-6)
        obj = obj + weight * binary_kl(t[..., 4], s[..., 4]).mean()
        cls = cls + weight * (binary_kl(t[..., 5:], s[..., 5:]).mean(-1) * t_obj).sum() / norm
        box_err = ((s[..., :4].sigmoid() - t[..., :4].sigmoid()) ** 2).sum(-1)
        box = box + weight * (box_err * t_obj).sum() / norm
    batch = student[0].shape[0]
    return (obj + cls + box) * batch, torch.stack((obj, cls, box)).detach()
