"""The YOLOv5 detection head, inference form only.

Always returns the decoded tensor that YOLOv5's export gives: ``[batch, N, 5 + nc]`` with
``(cx, cy, w, h)`` in input pixels, objectness and per-class probabilities (both after sigmoid).
N = na * sum(ny * nx) over the levels, e.g. 3 * (80*80 + 40*40 + 20*20) = 25200 at 640x640.
The training-time raw outputs are not needed by this project, so there is no training branch.
"""

from __future__ import annotations

import torch
from torch import nn


class Detect(nn.Module):
    def __init__(self, nc: int, anchors: list[list[int]], ch: list[int]):
        super().__init__()
        self.nc = nc
        self.no = nc + 5  # outputs per anchor
        self.nl = len(anchors)  # detection levels
        self.na = len(anchors[0]) // 2  # anchors per level
        # The checkpoint stores anchors divided by the level's stride (grid units); load_state_dict
        # overwrites this placeholder with those values.
        self.register_buffer("anchors", torch.tensor(anchors, dtype=torch.float32).view(self.nl, -1, 2))
        self.m = nn.ModuleList(nn.Conv2d(c, self.no * self.na, 1) for c in ch)
        # Set by the model builder from a probe forward pass (pixels per grid cell at each level).
        self.stride = torch.ones(self.nl)

    def forward(self, xs: list[torch.Tensor]) -> torch.Tensor:
        decoded = []
        for i in range(self.nl):
            x = self.m[i](xs[i])
            bs, _, ny, nx = x.shape
            # (bs, na*no, ny, nx) -> (bs, na, ny, nx, no)
            x = x.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
            grid, anchor_grid = self._make_grid(nx, ny, i)
            y = x.sigmoid()
            xy = (y[..., 0:2] * 2 + grid) * self.stride[i]
            wh = (y[..., 2:4] * 2) ** 2 * anchor_grid
            decoded.append(torch.cat((xy, wh, y[..., 4:]), -1).view(bs, -1, self.no))
        return torch.cat(decoded, 1)

    def _make_grid(self, nx: int, ny: int, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        # Computed per call from static shapes: under export tracing it folds into constants.
        device, dtype = self.anchors.device, self.anchors.dtype
        shape = (1, self.na, ny, nx, 2)
        yv, xv = torch.meshgrid(
            torch.arange(ny, device=device, dtype=dtype),
            torch.arange(nx, device=device, dtype=dtype),
            indexing="ij",
        )
        # The -0.5 offset is YOLOv5's "xy = 2 * sigmoid - 0.5 + cell" box parameterisation.
        grid = torch.stack((xv, yv), 2).expand(shape) - 0.5
        anchor_grid = (self.anchors[i] * self.stride[i]).view(1, self.na, 1, 1, 2).expand(shape)
        return grid, anchor_grid
