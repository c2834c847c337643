"""The command line: help, version, and bad input as one clear line with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smartcamrt_tools import __version__
from smartcamrt_tools.cli import main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("export", "ref-run", "version"):
        assert command in out


def test_version(capsys):
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == f"smartcamrt-tools {__version__}"


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_missing_model(capsys, assets, tmp_path):
    code = main(
        ["ref-run", "--model", str(tmp_path / "nope.onnx"), "--source", str(assets / "images" / "bus.jpg")]
    )
    assert code == 2
    assert "model file not found" in one_error_line(capsys)


def test_not_an_onnx_file(capsys, assets):
    code = main(
        ["ref-run", "--model", str(assets / "images" / "bus.jpg"), "--source", str(assets / "images")]
    )
    assert code == 2
    assert "is not a loadable ONNX model" in one_error_line(capsys)


def test_unreadable_video(capsys, onnx_model, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    code = main(
        ["ref-run", "--model", str(onnx_model), "--source", str(broken), "--out", str(tmp_path / "r")]
    )
    assert code == 2
    assert "cannot open video" in one_error_line(capsys)
    assert not (tmp_path / "r").exists()  # nothing half-written


def test_unknown_format(capsys, tmp_path):
    assert (
        main(["export", "--weights", "yolov5n.pt", "--format", "tflite-magic", "--out", str(tmp_path)]) == 2
    )
    assert (
        "known formats: " in (line := one_error_line(capsys)) and "onnx" in line.split("known formats: ")[1]
    )


def test_refused_checkpoint_is_one_line_and_runs_nothing(capsys, tmp_path):
    import os
    import pickle
    import zipfile

    marker = tmp_path / "marker"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    evil = tmp_path / "evil.pt"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"model": Payload()}, protocol=2))
    assert main(["export", "--weights", str(evil), "--format", "onnx", "--out", str(tmp_path / "o")]) == 2
    assert "refusing to load global 'posix.system' from evil.pt" in one_error_line(capsys)
    assert not marker.exists()


def test_console_script_reports_errors_without_traceback(tmp_path):
    # The real entry point, in its own process: exit code and stderr exactly as a user sees them.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "smartcamrt_tools",
            "ref-run",
            "--model",
            str(tmp_path / "x.onnx"),
            "--source=0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"smartcamrt-tools ref-run: model file not found: {tmp_path / 'x.onnx'}"
