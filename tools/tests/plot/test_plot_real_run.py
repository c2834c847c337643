"""plot on a real run folder: the Python reference loop's output for 5 frames of vtest.avi, plotted
through ``python -m smartcamrt_tools`` as a user (or the C++ front door) would call it."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from smartcamrt_tools.cli import main

PER_RUN = ("latency", "cdf", "fps", "resources")


@pytest.fixture(scope="module")
def real_run(onnx_model, assets, tmp_path_factory):
    out = tmp_path_factory.mktemp("plot-real") / "vtest"
    video = assets / "video" / "vtest.avi"
    args = ["ref-run", "--model", str(onnx_model), "--source", str(video), "--frames", "5", "--out", str(out)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*args, "--no-annotate"]) == 0  # plot reads no video: skip encoding one
    return out


def test_plot_a_reference_run(real_run, tmp_path, png_size):
    run_id = (real_run / "frames.csv").read_text().splitlines()[1].split(",")[0]
    out = tmp_path / "figures"
    command = [sys.executable, "-m", "smartcamrt_tools", "plot", str(real_run), "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    expected = [out / f"{run_id}-{name}.png" for name in PER_RUN]
    assert result.stdout.splitlines() == [*map(str, expected), str(out)]
    for path in expected:
        assert path.stat().st_size > 10_000
        assert png_size(path) == (1000, 600)


def test_a_run_compared_with_itself(real_run, tmp_path, png_size):
    # two folders -> the comparison figures, even when both are the same run (names must not collide)
    out = tmp_path / "figures"
    with contextlib.redirect_stdout(io.StringIO()) as stdout:
        assert main(["plot", str(real_run), str(real_run), "--out", str(out)]) == 0
    lines = stdout.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1] == str(out)
    for name in ("compare-latency.png", "compare-summary.png"):
        assert str(out / name) in lines
        assert png_size(out / name) == (1000, 600)
    assert len(list(out.glob("*.png"))) == 10
