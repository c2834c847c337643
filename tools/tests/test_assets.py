from __future__ import annotations

import shutil

import pytest

from smartcamrt_tools.assets import resolve_asset, resolve_weights
from smartcamrt_tools.errors import ToolError


def test_explicit_path_wins(weights, tmp_path, monkeypatch):
    copy = tmp_path / "custom.pt"
    shutil.copy(weights, copy)
    assert resolve_weights(str(copy)) == copy.resolve()


def test_cache_before_assets(weights, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    shutil.copy(weights, home / "models" / "yolov5n.pt")
    monkeypatch.setenv("SMARTCAMRT_HOME", str(home))
    assert resolve_weights("yolov5n.pt") == (home / "models" / "yolov5n.pt").resolve()
    assert resolve_weights("yolov5n") == (home / "models" / "yolov5n.pt").resolve()  # suffix optional


def test_assets_folder_next(weights):
    assert resolve_weights("yolov5n.pt") == weights.resolve()


def test_offline_download_fails_with_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTCAMRT_ASSETS", str(tmp_path / "no-assets"))
    monkeypatch.setenv("SMARTCAMRT_HOME", str(tmp_path / "home"))
    with pytest.raises(ToolError) as info:
        resolve_weights("yolov5s.pt")
    message = str(info.value)
    assert "\n" not in message
    assert "https://github.com/ultralytics/yolov5/releases/download/v7.0/yolov5s.pt" in message
    assert f"put yolov5s.pt into {tmp_path / 'home' / 'models'}/" in message
    assert not (tmp_path / "home" / "models" / "yolov5s.pt").exists()


def test_unknown_name_is_not_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTCAMRT_ASSETS", str(tmp_path))
    with pytest.raises(ToolError, match="'mystery.pt' not found"):
        resolve_weights("mystery.pt")


def test_parity_images_resolve_like_models(assets, tmp_path, monkeypatch):
    assert resolve_asset("images", "bus.jpg") == (assets / "images" / "bus.jpg").resolve()
    monkeypatch.setenv("SMARTCAMRT_ASSETS", str(tmp_path))
    with pytest.raises(
        ToolError, match=r"raw.githubusercontent.com/ultralytics/yolov5/v7.0/data/images/zidane.jpg"
    ):
        resolve_asset("images", "zidane.jpg")
