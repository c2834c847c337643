"""`smartcamrt-tools eval` end to end: the real engine on coco128's eval split, the Python reference on a
small folder, --record into a manifest, and bad input as one line with exit code 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from smartcamrt_tools.cli import main
from smartcamrt_tools.evaluation.split import COCO128_IMAGES

ACCURACY_KEYS = {"mAP50-95", "mAP50", "dataset", "split", "images", "engine", "evaluated", "note"}


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.fixture
def model_copy(onnx_model: Path, tmp_path: Path) -> Path:
    """The session's 320 export with its manifest, copied: --record must not touch the shared one."""
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(onnx_model, folder)
    shutil.copy(onnx_model.with_name(onnx_model.name + ".json"), folder)
    return folder / onnx_model.name


def test_engine_on_the_coco128_eval_split_with_record(model_copy, tmp_path, capsys):
    result_file = tmp_path / "out" / "result.json"
    code = main(["eval", "--model", str(model_copy), "--json", str(result_file), "--record"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.out.strip().splitlines()
    assert lines[-1] == str(result_file)
    assert "[eval]" in captured.err  # the progress lines

    result = json.loads(result_file.read_text())
    assert result["engine"].startswith("smartcamrt run (ort ")
    assert result["images"] == COCO128_IMAGES // 2 and result["split_name"] == "eval"
    assert result["input"] == "320x320"
    assert 0.15 < result["mAP50-95"] < result["mAP50"] < 0.8
    assert result["pycocotools"]["difference"]["mAP50-95"] <= 0.002
    assert result["pycocotools"]["difference"]["mAP50"] <= 0.002
    assert "train2017" in result["note"]

    predictions = json.loads((tmp_path / "out" / "result.predictions.json").read_text())
    truth = json.loads((tmp_path / "out" / "result.ground_truth.json").read_text())
    assert {p["image_id"] for p in predictions} <= {i["id"] for i in truth["images"]}
    assert truth["images"][0] == {"id": 9, "file_name": "000000000009.jpg", "width": 640, "height": 480}
    first = predictions[0]
    assert set(first) == {"image_id", "category_id", "bbox", "score"} and 0 <= first["category_id"] < 80
    assert min(p["score"] for p in predictions) >= 0.001

    accuracy = json.loads(model_copy.with_name(model_copy.name + ".json").read_text())["accuracy"]
    assert set(accuracy) == ACCURACY_KEYS
    assert accuracy["mAP50-95"] == result["mAP50-95"] and accuracy["images"] == 64
    assert accuracy["split"] == "eval: first 64 of 128 images by name"


def test_python_reference_on_a_folder_agrees_with_the_engine(model_copy, assets, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    coco = assets / "coco128"
    shutil.copy(coco / "coco80.names", data)
    for image in sorted((coco / "images" / "train2017").glob("*.jpg"))[:6]:
        shutil.copy(image, data)
        shutil.copy(coco / "labels" / "train2017" / f"{image.stem}.txt", data)
    results = {}
    for runtime in ("python", "ort"):
        out = tmp_path / f"{runtime}.json"
        code = main(
            [
                "eval",
                "--model",
                str(model_copy),
                "--data",
                str(data),
                "--split",
                "all",
                "--runtime",
                runtime,
                "--json",
                str(out),
            ]
        )
        assert code == 0, capsys.readouterr().err
        results[runtime] = json.loads(out.read_text())
    assert results["python"]["engine"].startswith("python reference (onnxruntime ")
    assert results["python"]["python_reference_because"] == "asked for with --runtime python"
    assert results["python"]["images"] == 6 and "note" not in results["python"]  # not coco128
    assert results["python"]["mAP50-95"] == pytest.approx(results["ort"]["mAP50-95"], abs=0.01)
    assert results["python"]["mAP50"] == pytest.approx(results["ort"]["mAP50"], abs=0.01)


def test_missing_model(capsys, tmp_path):
    assert main(["eval", "--model", str(tmp_path / "nope.onnx")]) == 2
    assert "model file not found" in one_error_line(capsys)


def test_folder_without_labels(capsys, assets, tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(b"not used")
    shutil.copy(assets / "images" / "bus.jpg", tmp_path)
    assert main(["eval", "--model", str(model), "--data", str(tmp_path)]) == 2
    assert "no YOLO labels found" in one_error_line(capsys)


def test_imgsz_against_a_fixed_input(capsys, assets, tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(b"not used")
    (tmp_path / "m.onnx.json").write_text(json.dumps({"input": {"shape": [1, 3, 320, 320]}}))
    assert main(["eval", "--model", str(model), "--data", str(assets / "coco128"), "--imgsz", "640"]) == 2
    assert "fixed 320x320 input" in one_error_line(capsys)


def test_record_without_a_manifest(capsys, tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(b"not used")
    assert main(["eval", "--model", str(model), "--record"]) == 2
    assert "has no manifest" in one_error_line(capsys)


def fake_engine(monkeypatch, backends: list[dict]) -> None:
    """The engine's `info` answer, without needing the built binary."""
    from smartcamrt_tools.benchmark import engine

    monkeypatch.setattr(engine, "engine_binary", lambda: "smartcamrt")
    monkeypatch.setattr(engine, "info", lambda: {"backends": backends})


def test_unknown_runtime(capsys, monkeypatch, tmp_path):
    fake_engine(monkeypatch, [{"name": "ort", "available": True, "suffixes": [".onnx"]}])
    model = tmp_path / "m.onnx"
    model.write_bytes(b"not used")
    (tmp_path / "m.onnx.json").write_text(json.dumps({"input": {"shape": [1, 3, 320, 320]}}))
    assert main(["eval", "--model", str(model), "--runtime", "nosuch"]) == 2
    assert "--runtime nosuch: unknown" in one_error_line(capsys)


def test_falls_back_to_the_python_reference_where_the_engine_cannot(monkeypatch, tmp_path):
    from smartcamrt_tools.evaluation.predict import choose_engine

    monkeypatch.setenv("SMARTCAMRT_BIN", str(tmp_path / "missing"))  # a binary that is not there
    assert "not usable here" in choose_engine(tmp_path / "m.onnx", None).reason
    fake_engine(monkeypatch, [{"name": "ort", "available": False, "reason": "no lib", "suffixes": [".onnx"]}])
    choice = choose_engine(tmp_path / "m.onnx", None)
    assert not choice.use_engine and "ort: no lib" in choice.reason
    assert "no engine backend reads .pt" in choose_engine(tmp_path / "m.pt", None).reason
