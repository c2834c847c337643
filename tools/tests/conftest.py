"""Shared fixtures. Tests use the real assets from $SMARTCAMRT_ASSETS (the test runner sets it); when
unset, the sibling checkout layout <repo>/../shared/assets is used."""

from __future__ import annotations

import contextlib
import io
import os
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
os.environ.setdefault("SMARTCAMRT_ASSETS", str(REPO.parent / "shared" / "assets"))
ASSETS = Path(os.environ["SMARTCAMRT_ASSETS"])
EXPORT_IMGSZ = 320  # small input: the export + parity fixture stays fast on 2 cores
# The detection-agreement check of the shared export runs on this many coco128 images (exports by
# users and scripts/test.sh use all 128): enough for a real mAP, short enough for the suite.
AGREEMENT_IMAGES_IN_TESTS = 32


@pytest.fixture(scope="session")
def assets() -> Path:
    if not (ASSETS / "models" / "yolov5n.pt").is_file():
        pytest.fail(f"assets not found at {ASSETS}; set SMARTCAMRT_ASSETS to the shared assets folder")
    return ASSETS


@pytest.fixture(scope="session")
def weights(assets: Path) -> Path:
    return assets / "models" / "yolov5n.pt"


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path_factory):
    """No test may touch the network or the user's model cache."""

    def refuse(*_args, **_kwargs):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setenv("SMARTCAMRT_HOME", str(tmp_path_factory.mktemp("smartcamrt-home")))


@pytest.fixture(scope="session")
def checkpoint(weights: Path):
    from smartcamrt_tools.checkpoint import load_checkpoint

    return load_checkpoint(weights)


@pytest.fixture(scope="session")
def reference_model(checkpoint):
    from smartcamrt_tools.yolov5 import build_from_checkpoint

    return build_from_checkpoint(checkpoint)


@pytest.fixture(scope="session")
def export_imgsz() -> int:
    return EXPORT_IMGSZ


@pytest.fixture(scope="session")
def exported(assets: Path, tmp_path_factory) -> dict:
    """Export yolov5n once through the CLI, as a user would; shared by the export and ref-run tests."""
    from smartcamrt_tools.cli import main

    out = tmp_path_factory.mktemp("export")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        args = ["export", "--weights", "yolov5n.pt", "--format", "onnx", "--imgsz", str(EXPORT_IMGSZ),
                "--agreement-images", str(AGREEMENT_IMAGES_IN_TESTS)]  # fmt: skip
        code = main([*args, "--out", str(out)])
    return {
        "code": code,
        "stdout": stdout.getvalue().splitlines(),
        "out": out,
        "agreement_images": AGREEMENT_IMAGES_IN_TESTS,
    }


@pytest.fixture(scope="session")
def onnx_model(exported) -> Path:
    assert exported["code"] == 0, "\n".join(exported["stdout"])
    return Path(exported["stdout"][-1])


@pytest.fixture(scope="session")
def shifted():
    """Wraps a runner so its boxes move by ``pixels`` (input pixels) right and down: a real fault that
    the parity gate must catch."""

    def wrap(runner, pixels: float):
        def run(batch):
            out = runner(batch).copy()
            out[..., :2] += pixels
            return out

        return run

    return wrap
