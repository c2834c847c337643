"""bench-runtimes drives the real C++ engine (build/smartcamrt) over real artifacts."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from smartcamrt_tools.benchmark.engine import engine_binary

CLI = [sys.executable, "-m", "smartcamrt_tools"]
FAST = ["--frames", "5", "--runs", "5", "--warmup", "1", "--threads", "1"]


@pytest.fixture()
def models_dir(onnx_model: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(onnx_model, folder / onnx_model.name)
    shutil.copy(onnx_model.with_name(onnx_model.name + ".json"), folder / (onnx_model.name + ".json"))
    return folder


def _write(path: Path) -> Path:
    path.write_bytes(b"not a model")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "bench-runtimes", *args], capture_output=True, text=True)


def test_engine_binary_is_the_built_one():
    assert Path(engine_binary()).is_file(), "build the engine first (scripts/setup.sh)"


def test_engine_times_the_onnx_model_and_writes_three_tables(models_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = run_cli(str(models_dir), "--out", str(out), *FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out)
    rows = list(csv.DictReader((out / "runtimes.csv").open()))
    assert len(rows) == 1
    row = rows[0]
    assert row["runtime"] == "ort" and row["timed_by"] == "C++ engine" and row["parity"] == "passed"
    assert 0 < float(row["p50_ms"]) <= float(row["p99_ms"])
    assert float(row["pipeline_e2e_p50_ms"]) >= float(row["pipeline_infer_p50_ms"]) > 0
    paced = float(row["paced_p50_ms"])
    assert paced > 0
    assert float(row["pipeline_infer_over_paced_p50"]) == pytest.approx(
        float(row["pipeline_infer_p50_ms"]) / paced
    )
    assert float(row["size_mb"]) == pytest.approx((models_dir / row["model"]).stat().st_size / 2**20)
    assert float(row["peak_rss_mb"]) > 10
    doc = json.loads((out / "runtimes.json").read_text())
    assert doc["rows"][0]["model"] == row["model"] and "cores" in doc["machine"]
    table = (out / "runtimes.md").read_text()
    assert "| model | format |" in table and f"| {row['model']} | onnx |" in table


def test_rounds_give_the_median_and_the_spread_of_the_session_p50(models_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = run_cli(str(models_dir), "--out", str(out), *FAST, "--rounds", "3")
    assert result.returncode == 0, result.stderr
    row = json.loads((out / "runtimes.json").read_text())["rows"][0]
    assert row["rounds"] == 3
    assert row["p50_min_ms"] <= row["p50_ms"] <= row["p50_max_ms"]
    assert (
        sorted((out / "round1").iterdir())
        and (out / "round3" / "runs" / row["model"] / "summary.json").is_file()
    )
    assert f"| {row['p50_min_ms']:.2f}-{row['p50_max_ms']:.2f} |" in (out / "runtimes.md").read_text()


def test_a_runtime_the_engine_lacks_is_timed_from_python_and_marked(models_dir: Path, tmp_path: Path):
    manifest_path = next(models_dir.glob("*.json"))
    manifest = json.loads(manifest_path.read_text())
    manifest["runtime"] = "nosuch"
    manifest_path.write_text(json.dumps(manifest))
    out = tmp_path / "out"
    result = run_cli(str(models_dir), "--out", str(out), *FAST)
    assert result.returncode == 0, result.stderr
    row = next(csv.DictReader((out / "runtimes.csv").open()))
    assert row["timed_by"] == "Python (no 'nosuch' backend in the engine)"
    assert float(row["p50_ms"]) > 0 and row["pipeline_e2e_p50_ms"] == ""


def test_a_failed_artifact_is_timed_but_kept_out_of_the_pipeline(models_dir: Path, tmp_path: Path):
    manifest_path = next(models_dir.glob("*.json"))
    manifest = json.loads(manifest_path.read_text())
    manifest["parity"]["passed"] = False
    manifest_path.write_text(json.dumps(manifest))
    result = run_cli(str(models_dir), "--out", str(tmp_path / "out"), *FAST)
    assert result.returncode == 0, result.stderr
    row = next(csv.DictReader((tmp_path / "out" / "runtimes.csv").open()))
    assert row["parity"] == "FAILED" and row["pipeline_e2e_p50_ms"] == ""


def test_a_model_named_without_manifest_is_timed_by_its_suffix_and_marked(onnx_model: Path, tmp_path: Path):
    third_party = tmp_path / "third-party.onnx"
    shutil.copy(onnx_model, third_party)  # no manifest beside it
    out = tmp_path / "out"
    result = run_cli(str(third_party), "--out", str(out), *FAST)
    assert result.returncode == 0, result.stderr
    row = next(csv.DictReader((out / "runtimes.csv").open()))
    assert (row["runtime"], row["format"], row["parity"]) == ("ort", "no manifest", "none (no manifest)")
    assert row["timed_by"] == "C++ engine" and row["precision"] == "fp32"  # as the engine reports it
    assert float(row["pipeline_e2e_p50_ms"]) > 0


def test_a_negative_cooldown_is_refused(tmp_path: Path):
    result = run_cli(str(tmp_path), "--out", str(tmp_path / "out"), "--cooldown", "-1")
    assert result.returncode == 2 and "--cooldown: must be >= 0, got -1" in result.stderr


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "absent", "no such file or folder"),
        (lambda d: d, "no prepared models"),
        (
            lambda d: _write(d / "weights.bin"),
            "no manifest beside it and no engine backend takes its file type",
        ),
    ],
)
def test_bad_model_paths_are_one_line_errors(tmp_path: Path, make, needle: str):
    result = run_cli(str(make(tmp_path)), "--out", str(tmp_path / "out"), *FAST)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr
