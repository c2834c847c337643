"""`smartcamrt deploy pi --out DIR`: the C++ front door hands its arguments to scripts/deploy/pi.sh, which
stops with one line naming the setup command when the cross toolchain, the arm64 sysroot or a model is
missing, before any building. Runs the x86-64 engine; needs no toolchain (it checks the messages)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

ENGINE = REPO / "build" / "smartcamrt"


@pytest.fixture(scope="module")
def engine() -> Path:
    if not ENGINE.is_file():
        pytest.skip(f"no x86-64 engine at {ENGINE} (cmake --preset release && cmake --build build)")
    return ENGINE


def _deploy(engine: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(engine), "deploy", *args], capture_output=True, text=True, env=env, timeout=60)


def test_usage_and_unknown_target(engine: Path):
    bare = _deploy(engine)
    assert bare.returncode == 2 and "smartcamrt deploy pi --out DIR" in bare.stdout
    unknown = _deploy(engine, "android", "--out", "x")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "smartcamrt deploy: unknown target 'android' (targets: pi)"


def test_help_is_the_scripts(engine: Path):
    shown = _deploy(engine, "pi", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "Builds the Raspberry Pi (linux-aarch64) bundle" in shown.stdout
    assert "--sysroot" in shown.stdout and "yolov5n-320.int8.onnx" in shown.stdout


def _home_with_models(tmp_path: Path, names: list[str]) -> dict[str, str]:
    """An SMARTCAMRT_HOME whose model cache holds these (placeholder) models with manifests."""
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    for name in names:
        (home / "models" / name).write_bytes(b"x")
        (home / "models" / f"{name}.json").write_text("{}")
    return {**os.environ, "SMARTCAMRT_HOME": str(home)}


DEFAULT_MODELS = ["yolov5n-640.onnx", "yolov5n-320.onnx", "yolov5n-640.int8.onnx", "yolov5n-320.int8.onnx"]


def test_missing_sysroot_or_toolchain_is_one_line_naming_the_setup(engine: Path, tmp_path: Path):
    # The models are there (the model check comes first), so what is missing is the sysroot.
    env = _home_with_models(tmp_path, DEFAULT_MODELS)
    no_sysroot = ["--sysroot", str(tmp_path / "none")]
    result = _deploy(engine, "pi", "--out", str(tmp_path / "dist"), *no_sysroot, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "scripts/deploy/install-cross-deps.sh" in lines[0]
    if shutil.which("aarch64-linux-gnu-g++") and shutil.which("patchelf"):
        assert lines[0].startswith(f"[pi] no arm64 sysroot at {tmp_path / 'none'}"), lines[0]
    else:
        assert "is missing" in lines[0], lines[0]
    assert not list((tmp_path / "dist").glob("*.tar.gz"))


def test_missing_int8_rung_names_the_export_command(engine: Path, tmp_path: Path):
    if not (shutil.which("aarch64-linux-gnu-g++") and shutil.which("patchelf")):
        pytest.skip("the cross toolchain is not installed: pi.sh stops at it first (install-cross-deps.sh)")
    # No sysroot either: the model check comes first, so a clean machine gets the model's command.
    env = _home_with_models(tmp_path, DEFAULT_MODELS[:3])
    no_sysroot = ["--sysroot", str(tmp_path / "none")]
    result = _deploy(engine, "pi", "--out", str(tmp_path / "dist"), *no_sysroot, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "model 'yolov5n-320.int8.onnx' not found" in lines[0]
    assert "--format onnx-int8 --target-isa vnni --imgsz 320" in lines[0]
