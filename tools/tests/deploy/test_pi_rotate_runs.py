"""deploy/raspberry-pi/smartcamrt-rotate-runs: the run-folder rotation the service runs before every start
(keep the newest N, cap the total size, keep the disk from filling up). Needs no bundle."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import REPO

ROTATE = REPO / "deploy" / "raspberry-pi" / "smartcamrt-rotate-runs"


def _runs(folder: Path, count: int, size_kb: int = 0) -> list[Path]:
    made = []
    now = time.time()
    for i in range(count):
        run = folder / f"2026112{i}-run"
        run.mkdir()
        (run / "frames.csv").write_bytes(b"x" * size_kb * 1024)
        os.utime(run, (now - 1000 + i, now - 1000 + i))  # oldest first
        made.append(run)
    return made


def _rotate(folder: Path, *limits: int) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(ROTATE), str(folder), *map(str, limits)], capture_output=True, text=True)


def test_keeps_the_newest_n(tmp_path: Path):
    runs = _runs(tmp_path, 5)
    (tmp_path / "not-a-run.txt").write_text("left alone")
    result = _rotate(tmp_path, 3, 0, 0)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [r.name for r in runs[2:]]
    assert (tmp_path / "not-a-run.txt").exists()
    assert "2 deleted" in result.stdout


def test_caps_the_total_size(tmp_path: Path):
    runs = _runs(tmp_path, 4, size_kb=900)  # 0.9 MB each: two fit in 2 MB, three do not
    result = _rotate(tmp_path, 0, 2, 0)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in sorted(tmp_path.iterdir())] == [r.name for r in runs[2:]]


def test_keeps_free_space(tmp_path: Path):
    _runs(tmp_path, 3)
    # No file system has this much free: everything old goes, and the script still succeeds.
    result = _rotate(tmp_path, 0, 0, 10**12)
    assert result.returncode == 0, result.stderr
    assert not any(p.is_dir() for p in tmp_path.iterdir())
    assert "free" in result.stdout


def test_creates_the_folder_and_refuses_bad_numbers(tmp_path: Path):
    assert _rotate(tmp_path / "new" / "runs", 3, 10, 10).returncode == 0
    assert (tmp_path / "new" / "runs").is_dir()
    bad = subprocess.run(["sh", str(ROTATE), str(tmp_path), "three"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a whole number" in bad.stderr


@pytest.mark.parametrize("limits", [(20, 2048, 512)])
def test_defaults_match_the_config(limits):
    conf = (REPO / "deploy/raspberry-pi/smartcamrt.conf").read_text()
    for key, value in zip(["KEEP_RUNS", "MAX_RUNS_MB", "MIN_FREE_MB"], limits, strict=True):
        assert f"\n{key}={value}\n" in conf
