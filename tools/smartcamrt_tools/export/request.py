"""What an exporter receives: the same for every format row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch import nn

from ..quantization import QuantConfig


@dataclass
class ExportRequest:
    model: nn.Module  # eval mode, fp32, returns the raw [1, N, 5 + nc] output
    sample_input: np.ndarray  # [1, 3, H, W] float32; fixes the static input shape
    artifact: Path  # file to write
    opset: int | None = None  # ONNX opset (formats built on ONNX); None = the format's default
    metadata: dict = field(default_factory=dict)  # stored inside the artifact where the format allows
    quantization: QuantConfig | None = None  # int8 rows: the config to use (None: the row's default preset)
