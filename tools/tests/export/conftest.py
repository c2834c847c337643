"""What the export tests share: a small export (few agreement images) that must pass parity."""

from collections.abc import Callable
from pathlib import Path

import pytest

from smartcamrt_tools.export import export_model

AGREEMENT_IMAGES = 4  # the parity test proper is the raw comparison; keep the mAP part short


def _export_small(fmt: str, out: Path, imgsz: int) -> Path:
    lines: list[str] = []
    artifact = export_model(
        "yolov5n.pt", fmt, out, imgsz=imgsz, log=lines.append, agreement_images=AGREEMENT_IMAGES
    )
    assert any(line.startswith("parity vs pytorch") and "passed" in line for line in lines), lines
    return artifact


@pytest.fixture(scope="session")
def export_small() -> Callable[[str, Path, int], Path]:
    """export_small(format, folder, imgsz) -> artifact, checked to pass parity."""
    return _export_small
