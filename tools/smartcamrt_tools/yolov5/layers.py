"""The YOLOv5 building blocks, with the attribute names the official checkpoints use.

Attribute names (``conv``, ``bn``, ``cv1``, ``m`` ...) are part of the state_dict keys, so they must stay
exactly as in ultralytics/yolov5 ``models/common.py`` for ``load_state_dict(strict=True)`` to work.
"""

from __future__ import annotations

import torch
from torch import nn

# torch's BatchNorm default is 1e-5; YOLOv5 trains with 1e-3 and the checkpoint records it. The builder
# overrides this with the checkpoint's value.
DEFAULT_BN_EPS = 1e-3


def autopad(kernel: int, padding: int | None = None) -> int:
    """'same' padding for odd kernels, as YOLOv5 computes it."""
    return kernel // 2 if padding is None else padding


class Conv(nn.Module):
    """Conv2d (no bias) -> BatchNorm2d -> SiLU."""

    def __init__(self, c1, c2, k=1, s=1, p=None, g=1, act=True, bn_eps=DEFAULT_BN_EPS):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k, p), groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=bn_eps)
        self.act = nn.SiLU() if act is True else (act if isinstance(act, nn.Module) else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))

    def forward_fused(self, x: torch.Tensor) -> torch.Tensor:
        """Forward once the BatchNorm has been folded into the conv (see :mod:`.fuse`)."""
        return self.act(self.conv(x))


class Bottleneck(nn.Module):
    """1x1 conv -> 3x3 conv, with a residual add when shapes allow and ``shortcut`` is set."""

    def __init__(self, c1, c2, shortcut=True, g=1, e=0.5, bn_eps=DEFAULT_BN_EPS):
        super().__init__()
        hidden = int(c2 * e)
        self.cv1 = Conv(c1, hidden, 1, 1, bn_eps=bn_eps)
        self.cv2 = Conv(hidden, c2, 3, 1, g=g, bn_eps=bn_eps)
        self.add = shortcut and c1 == c2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C3(nn.Module):
    """CSP bottleneck with 3 convolutions: two branches, n Bottlenecks on one, concatenated."""

    def __init__(self, c1, c2, n=1, shortcut=True, g=1, e=0.5, bn_eps=DEFAULT_BN_EPS):
        super().__init__()
        hidden = int(c2 * e)
        self.cv1 = Conv(c1, hidden, 1, 1, bn_eps=bn_eps)
        self.cv2 = Conv(c1, hidden, 1, 1, bn_eps=bn_eps)
        self.cv3 = Conv(2 * hidden, c2, 1, bn_eps=bn_eps)
        self.m = nn.Sequential(
            *(Bottleneck(hidden, hidden, shortcut, g, e=1.0, bn_eps=bn_eps) for _ in range(n))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), dim=1))


class SPPF(nn.Module):
    """Spatial pyramid pooling, fast: three chained max-pools, equivalent to SPP(k=(5, 9, 13))."""

    def __init__(self, c1, c2, k=5, bn_eps=DEFAULT_BN_EPS):
        super().__init__()
        hidden = c1 // 2
        self.cv1 = Conv(c1, hidden, 1, 1, bn_eps=bn_eps)
        self.cv2 = Conv(hidden * 4, c2, 1, 1, bn_eps=bn_eps)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), dim=1))


class Concat(nn.Module):
    """Concatenate a list of tensors along ``dimension``."""

    def __init__(self, dimension=1):
        super().__init__()
        self.d = dimension

    def forward(self, xs: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(xs, self.d)
