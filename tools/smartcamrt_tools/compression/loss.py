"""YOLOv5's training loss, compactly: CIoU box loss, objectness BCE, class BCE, with YOLOv5's anchor matching.

The project's :class:`~smartcamrt_tools.yolov5.detect.Detect` has an inference form only (it decodes), so
:func:`raw_outputs` runs the same layers and stops before the decode: per level ``[B, na, ny, nx, 5 + nc]``
logits. The loss follows ultralytics/yolov5 ``utils/loss.py`` (``ComputeLoss``, v7.0) with the
``hyp.scratch-low.yaml`` gains:

- **matching** (:func:`build_targets`): a label is given to every anchor of a level whose width and height
  ratios to the label's stay under ``anchor_t`` (4.0), in the grid cell of its centre and in the two
  neighbouring cells nearest to that centre (the ``2 * sigmoid - 0.5`` parameterisation reaches them);
- **box**: 1 - CIoU between the decoded prediction and the label, in grid units;
- **objectness**: BCE against the (detached, clamped) IoU of the matched prediction, 0 elsewhere; the
  levels weighted 4.0 / 1.0 / 0.4 (P3 / P4 / P5);
- **class**: BCE against one-hot targets at the matched cells.

Gains: box 0.05, obj 1.0, cls 0.5, scaled as YOLOv5 does by ``3 / nl``, ``nc / 80`` and ``(imgsz / 640)²``;
the total is multiplied by the batch size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..yolov5 import DetectionModel


@dataclass(frozen=True)
class LossGains:
    box: float = 0.05
    obj: float = 1.0
    cls: float = 0.5
    anchor_t: float = 4.0
    balance: tuple[float, ...] = (4.0, 1.0, 0.4)


def raw_outputs(model: DetectionModel, images: torch.Tensor) -> list[torch.Tensor]:
    """The Detect convolutions' outputs before decoding: per level ``[B, na, ny, nx, no]`` logits."""
    detect = model.detect
    levels = []
    for conv, feature in zip(detect.m, model._features(images), strict=True):
        x = conv(feature)
        bs, _, ny, nx = x.shape
        levels.append(x.view(bs, detect.na, detect.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous())
    return levels


def bbox_ciou(box1: torch.Tensor, box2: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Complete IoU of boxes given as ``[..., 4]`` (cx, cy, w, h); returns ``[...]``."""
    (x1, y1, w1, h1), (x2, y2, w2, h2) = box1.unbind(-1), box2.unbind(-1)
    h1, h2 = h1.clamp(min=eps), h2.clamp(min=eps)
    b1x1, b1x2, b1y1, b1y2 = x1 - w1 / 2, x1 + w1 / 2, y1 - h1 / 2, y1 + h1 / 2
    b2x1, b2x2, b2y1, b2y2 = x2 - w2 / 2, x2 + w2 / 2, y2 - h2 / 2, y2 + h2 / 2
    inter = (torch.min(b1x2, b2x2) - torch.max(b1x1, b2x1)).clamp(0) * (
        torch.min(b1y2, b2y2) - torch.max(b1y1, b2y1)
    ).clamp(0)
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    cw = torch.max(b1x2, b2x2) - torch.min(b1x1, b2x1)  # enclosing box
    ch = torch.max(b1y2, b2y2) - torch.min(b1y1, b2y1)
    c2 = cw**2 + ch**2 + eps
    rho2 = (x2 - x1) ** 2 + (y2 - y1) ** 2  # squared centre distance
    v = (4 / math.pi**2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


# The centre cell and its four neighbours; a label also goes to the two neighbours nearest its centre.
_OFFSETS = torch.tensor([[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]], dtype=torch.float32) * 0.5


def build_targets(
    levels: list[torch.Tensor], targets: torch.Tensor, anchors: torch.Tensor, anchor_t: float
) -> list[tuple[torch.Tensor, ...]]:
    """YOLOv5's matching. ``targets``: ``[T, 6]`` = (image index, class, cx, cy, w, h) normalised to the
    input; ``anchors``: ``[nl, na, 2]`` in grid units. Per level: (image, anchor, gy, gx, class,
    target box (x, y offsets in the cell, w, h in grid units), anchor w h)."""
    na, nt = anchors.shape[1], targets.shape[0]
    anchor_index = torch.arange(na, dtype=targets.dtype).view(na, 1).repeat(1, nt)
    # [na, T, 7]: every label once per anchor, with the anchor index last
    targets = torch.cat((targets.repeat(na, 1, 1), anchor_index[..., None]), 2)
    gain = torch.ones(7, dtype=targets.dtype)
    matched = []
    for i, level in enumerate(levels):
        _, _, ny, nx, _ = level.shape
        gain[2:6] = torch.tensor([nx, ny, nx, ny], dtype=targets.dtype)
        t = targets * gain  # to grid units
        offsets = torch.zeros((0, 2))
        if nt:
            ratio = t[..., 4:6] / anchors[i][:, None]
            t = t[torch.max(ratio, 1 / ratio).max(2)[0] < anchor_t]
            gxy = t[:, 2:4]
            gxi = gain[[2, 3]] - gxy
            j, k = ((gxy % 1 < 0.5) & (gxy > 1)).T
            left, m = ((gxi % 1 < 0.5) & (gxi > 1)).T
            use = torch.stack((torch.ones_like(j), j, k, left, m))
            t = t.repeat((5, 1, 1))[use]
            offsets = (torch.zeros_like(gxy)[None] + _OFFSETS[:, None])[use]
        else:
            t = targets[0]
        image, cls = t[:, 0].long(), t[:, 1].long()
        gxy, gwh, anchor = t[:, 2:4], t[:, 4:6], t[:, 6].long()
        gij = (gxy - offsets).long()
        gi, gj = gij[:, 0].clamp(0, nx - 1), gij[:, 1].clamp(0, ny - 1)
        box = torch.cat((gxy - torch.stack((gi, gj), 1), gwh), 1)
        matched.append((image, anchor, gj, gi, cls, box, anchors[i][anchor]))
    return matched


class YoloLoss(nn.Module):
    """``loss(levels, targets) -> (total, [box, obj, cls] detached)``; see the module docstring."""

    def __init__(self, model: DetectionModel, imgsz: int, gains: LossGains | None = None):
        super().__init__()
        detect = model.detect
        gains = gains or LossGains()
        nl, self.nc = detect.nl, detect.nc
        self.anchor_t = gains.anchor_t
        self.balance = list(gains.balance[:nl]) if nl == 3 else [4.0, 1.0, 0.25, 0.06, 0.02][:nl]
        self.box_gain = gains.box * 3 / nl
        self.cls_gain = gains.cls * self.nc / 80 * 3 / nl
        self.obj_gain = gains.obj * (imgsz / 640) ** 2 * 3 / nl
        self.register_buffer("anchors", detect.anchors.detach().clone())
        self.bce = nn.BCEWithLogitsLoss()

    def forward(self, levels: list[torch.Tensor], targets: torch.Tensor):
        lbox = levels[0].new_zeros(())
        lobj, lcls = lbox.clone(), lbox.clone()
        matched = build_targets(levels, targets, self.anchors, self.anchor_t)
        for i, level in enumerate(levels):
            image, anchor, gj, gi, cls, box, anchor_wh = matched[i]
            tobj = torch.zeros(level.shape[:4], dtype=level.dtype)
            if image.numel():
                pxy, pwh, _, pcls = level[image, anchor, gj, gi].split((2, 2, 1, self.nc), 1)
                pbox = torch.cat((pxy.sigmoid() * 2 - 0.5, (pwh.sigmoid() * 2) ** 2 * anchor_wh), 1)
                iou = bbox_ciou(pbox, box)
                lbox = lbox + (1.0 - iou).mean()
                tobj[image, anchor, gj, gi] = iou.detach().clamp(0).to(tobj.dtype)
                if self.nc > 1:
                    onehot = torch.zeros_like(pcls)
                    onehot[torch.arange(image.numel()), cls] = 1.0
                    lcls = lcls + self.bce(pcls, onehot)
            lobj = lobj + self.bce(level[..., 4], tobj) * self.balance[i]
        lbox, lobj, lcls = lbox * self.box_gain, lobj * self.obj_gain, lcls * self.cls_gain
        batch = levels[0].shape[0]
        return (lbox + lobj + lcls) * batch, torch.stack((lbox, lobj, lcls)).detach()
