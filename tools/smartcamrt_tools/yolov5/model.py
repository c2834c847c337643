"""The YOLOv5 detection model, and building it from a :class:`~smartcamrt_tools.checkpoint.Checkpoint`."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..checkpoint import Checkpoint
from ..errors import ToolError
from .detect import Detect
from .fuse import fuse_model
from .parse import parse_model

# Probe input size used to measure each level's stride, as YOLOv5 does.
_STRIDE_PROBE = 256


class DetectionModel(nn.Module):
    """Layers in ``self.model`` (the name gives the checkpoint's ``model.<i>.`` keys)."""

    def __init__(self, config: dict[str, Any], bn_eps: float | None = None):
        super().__init__()
        self.config = config
        self.model, self.save = parse_model(config, in_channels=config.get("ch", 3), bn_eps=bn_eps)
        detect = self.detect
        with torch.no_grad():
            probe = torch.zeros(1, config.get("ch", 3), _STRIDE_PROBE, _STRIDE_PROBE)
            detect.stride = torch.tensor([_STRIDE_PROBE / x.shape[-2] for x in self._features(probe)])

    @property
    def detect(self) -> Detect:
        return self.model[-1]

    @property
    def stride(self) -> list[int]:
        return [int(s) for s in self.detect.stride.tolist()]

    def output_shape(self, input_hw: tuple[int, int]) -> list[int]:
        """Shape of the raw output for a batch of one: ``[1, na * sum of grid cells, 5 + nc]``."""
        cells = sum((input_hw[0] // s) * (input_hw[1] // s) for s in self.stride)
        return [1, self.detect.na * cells, self.detect.no]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, 3, H, W]`` float RGB in [0, 1] -> ``[B, N, 5 + nc]`` (see :class:`~.detect.Detect`)."""
        return self.detect(self._features(x))

    def _features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Run every layer but Detect; return the Detect inputs."""
        outputs: list[torch.Tensor | None] = []
        for layer in self.model[:-1]:
            if isinstance(layer.f, int) and layer.f != -1:
                x = outputs[layer.f]
            elif isinstance(layer.f, list):  # Concat: several inputs
                x = [x if j == -1 else outputs[j] for j in layer.f]
            x = layer(x)
            outputs.append(x if layer.i in self.save else None)
        return [x if j == -1 else outputs[j] for j in self.detect.f]


def build_from_checkpoint(checkpoint: Checkpoint, fuse: bool = False) -> DetectionModel:
    """Rebuild the network from the checkpoint's config and load its weights (strict, as fp32)."""
    model = DetectionModel(checkpoint.config, bn_eps=checkpoint.bn_eps)
    state = {k: v.float() if v.is_floating_point() else v for k, v in checkpoint.state_dict.items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ToolError(f"{checkpoint.path}: weights do not fit the rebuilt architecture: {exc}") from exc
    if checkpoint.stride and checkpoint.stride != model.stride:
        raise ToolError(
            f"{checkpoint.path}: checkpoint strides {checkpoint.stride} != rebuilt {model.stride}"
        )
    model.eval().requires_grad_(False)
    return fuse_model(model) if fuse else model
