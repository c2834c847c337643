"""Builds the layer list from a YOLOv5 architecture config (``model.yaml``), like YOLOv5's parse_model.

YOLOv5 ``eval()``s the module and argument strings of the yaml; here they are looked up in explicit
tables instead, so a config can only name the blocks this project implements.
"""

from __future__ import annotations

import math
from typing import Any

from torch import nn

from ..errors import ToolError
from .detect import Detect
from .layers import C3, SPPF, Bottleneck, Concat, Conv

MODULES: dict[str, type[nn.Module]] = {
    "Conv": Conv,
    "Bottleneck": Bottleneck,
    "C3": C3,
    "SPPF": SPPF,
    "Concat": Concat,
    "Detect": Detect,
    "nn.Upsample": nn.Upsample,
}
# Blocks whose first argument is an output channel count scaled by width_multiple.
_CHANNEL_BLOCKS = (Conv, Bottleneck, C3, SPPF)
# Blocks that take the (depth-scaled) repeat count as their own argument instead of being repeated.
_REPEAT_INSIDE = (C3,)


def make_divisible(x: float, divisor: int = 8) -> int:
    """Smallest multiple of ``divisor`` >= x: channel counts stay friendly to vectorised kernels."""
    return math.ceil(x / divisor) * divisor


def parse_model(config: dict[str, Any], in_channels: int = 3, bn_eps: float | None = None):
    """Return ``(nn.Sequential of layers, sorted indices whose outputs later layers read)``.

    Each layer gets ``.i`` (its index) and ``.f`` (where its input comes from: -1 = previous layer, an
    index, or a list of indices), which :class:`~.model.DetectionModel` uses to route tensors.
    """
    nc, anchors = config["nc"], config["anchors"]
    depth, width = config["depth_multiple"], config["width_multiple"]
    symbols = {"None": None, "nc": nc, "anchors": anchors}
    num_outputs = (len(anchors[0]) // 2) * (nc + 5)

    layers, save, channels = [], [], [in_channels]
    for i, (source, repeats, module_name, raw_args) in enumerate(config["backbone"] + config["head"]):
        if module_name not in MODULES:
            raise ToolError(
                f"layer {i}: unsupported YOLOv5 block '{module_name}' (known: {', '.join(MODULES)})"
            )
        block = MODULES[module_name]
        args = [symbols.get(a, a) if isinstance(a, str) else a for a in raw_args]
        repeats = max(round(repeats * depth), 1) if repeats > 1 else repeats
        kwargs = {}

        if block in _CHANNEL_BLOCKS:
            c1, c2 = channels[source], args[0]
            if c2 != num_outputs:
                c2 = make_divisible(c2 * width, 8)
            args = [c1, c2, *args[1:]]
            if block in _REPEAT_INSIDE:
                args.insert(2, repeats)
                repeats = 1
            if bn_eps is not None:
                kwargs["bn_eps"] = bn_eps
        elif block is Concat:
            c2 = sum(channels[x] for x in source)
        elif block is Detect:
            args.append([channels[x] for x in source])
            c2 = num_outputs
        else:
            c2 = channels[source]

        if repeats > 1:
            layer = nn.Sequential(*(block(*args, **kwargs) for _ in range(repeats)))
        else:
            layer = block(*args, **kwargs)
        layer.i, layer.f = i, source
        sources = [source] if isinstance(source, int) else source
        save.extend(x % i for x in sources if x != -1)
        layers.append(layer)
        if i == 0:
            channels = []  # channels[j] is now layer j's output
        channels.append(c2)
    return nn.Sequential(*layers), sorted(set(save))
