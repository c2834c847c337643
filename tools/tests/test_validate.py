from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from smartcamrt_tools.detection_agreement import coco128_images
from smartcamrt_tools.errors import ParityError
from smartcamrt_tools.export import FORMATS, export_model
from smartcamrt_tools.export.pipeline import AGREEMENT_IMAGES
from smartcamrt_tools.validate import (
    DEFAULT_MIN_MAP50,
    ParityTolerance,
    check_parity,
    compare_outputs,
    describe,
    describe_all,
    failure_reasons,
    load_parity_inputs,
    torch_runner,
)

TOL = ParityTolerance(boxes_px=1e-2, scores=5e-5, min_cosine=0.99999)


def fake_output(seed=0):
    rng = np.random.default_rng(seed)
    out = rng.random((1, 100, 85)).astype(np.float32)
    out[..., :4] *= 640  # pixel boxes
    return out


def test_identical_outputs_pass():
    out = fake_output()
    result = compare_outputs({"a": out}, {"a": out.copy()}, TOL)
    assert result.passed and result.max_abs_diff == 0 and result.cosine > 0.999999


def test_box_drift_beyond_tolerance_fails():
    ref = fake_output()
    got = ref.copy()
    got[0, 7, 2] += 0.05  # 1/20 px
    result = compare_outputs({"a": ref}, {"a": got}, TOL)
    assert not result.passed
    assert np.isclose(result.by_part["boxes_px"]["max_abs_diff"], 0.05, atol=1e-4)


def test_score_drift_fails_even_when_boxes_are_exact():
    ref = fake_output()
    got = ref.copy()
    got[0, 3, 10] += 1e-3
    result = compare_outputs({"a": ref}, {"a": got}, TOL)
    assert not result.passed and result.max_abs_diff < TOL.boxes_px  # caught by the score limit


def test_nan_output_fails():
    ref = fake_output()
    got = ref.copy()
    got[0, 0, 0] = np.nan
    assert not compare_outputs({"a": ref}, {"a": got}, TOL).passed


def test_parity_inputs_are_the_real_letterboxed_images(assets):
    inputs = load_parity_inputs((320, 320))
    assert list(inputs) == ["bus.jpg", "zidane.jpg"]
    for batch in inputs.values():
        assert batch.shape == (1, 3, 320, 320) and 0 <= batch.min() and batch.max() <= 1
    assert np.isclose(inputs["zidane.jpg"][0, :, 0, 0], 114 / 255).all()  # letterbox padding on top


# ------------------------------------------------------------------------------ detection agreement gate


def test_min_map50_defaults_and_can_be_set_per_row():
    assert TOL.min_map50 == DEFAULT_MIN_MAP50 and 0.9 <= DEFAULT_MIN_MAP50 < 1
    assert ParityTolerance(boxes_px=1.0, scores=1e-2, min_cosine=0.999, min_map50=0.6).min_map50 == 0.6


def test_check_parity_folds_the_agreement_into_passed(reference_model, export_imgsz, shifted):
    run = torch_runner(reference_model)
    inputs = load_parity_inputs((export_imgsz, export_imgsz))
    images = coco128_images(4)
    same = check_parity(run, run, inputs, TOL, images)
    assert same.passed and same.outputs_passed and same.detection_agreement.passed
    assert same.to_manifest()["detection_agreement"]["images"] == 4

    loose = ParityTolerance(boxes_px=100.0, scores=1.0, min_cosine=0.0)  # raw outputs let the shift through
    moved = check_parity(run, shifted(run, 30), inputs, loose, images)
    assert moved.outputs_passed and not moved.detection_agreement.passed and not moved.passed
    assert failure_reasons(moved) == [
        f"detection agreement mAP50 {moved.detection_agreement.value:.3f} < min 0.98"
    ]
    assert describe(moved).startswith("parity vs pytorch on bus.jpg, zidane.jpg: passed")  # raw part alone
    assert describe_all(moved)[1].endswith("(min 0.98): FAILED")

    no_agreement = check_parity(run, run, inputs, TOL)
    assert (
        no_agreement.detection_agreement is None and no_agreement.to_manifest()["detection_agreement"] is None
    )


def test_exported_manifest_records_the_detection_agreement(exported, onnx_model):
    manifest = json.loads(onnx_model.with_name(onnx_model.name + ".json").read_text())
    parity = manifest["parity"]
    agreement = parity["detection_agreement"]
    assert agreement["metric"] == "mAP50 vs pytorch"
    assert AGREEMENT_IMAGES == 128  # the export default: all of coco128
    assert agreement["images"] == exported["agreement_images"]  # what the shared fixture asked for
    assert agreement["min"] == FORMATS["onnx"].tolerance.min_map50
    assert agreement["min"] <= agreement["value"] <= 1.0 and agreement["passed"] is True
    assert agreement["reference_boxes"] > 0
    assert agreement["conf_threshold"] == 0.25 and agreement["iou_threshold"] == 0.45
    assert parity["passed"] is True and parity["outputs_passed"] is True
    value, floor = agreement["value"], agreement["min"]
    images = exported["agreement_images"]
    line = f"detection agreement on {images} coco128 images: mAP50 {value:.3f} (min {floor:g}): passed"
    assert line in exported["stdout"]


def test_shifted_boxes_fail_the_export(tmp_path, monkeypatch, export_imgsz, shifted):
    # Raw-output limits loose enough to let a 30 px shift through: only the detection agreement can catch it.
    row = FORMATS["onnx"]
    loose = ParityTolerance(boxes_px=100.0, scores=1.0, min_cosine=0.0, min_map50=row.tolerance.min_map50)
    broken = dataclasses.replace(
        row, tolerance=loose, open_runner=lambda path: shifted(row.open_runner(path), 30)
    )
    monkeypatch.setitem(FORMATS, "onnx", broken)
    lines = []
    with pytest.raises(ParityError, match="detection agreement mAP50 0\\.[0-9]+ < min"):
        export_model("yolov5n.pt", "onnx", tmp_path, imgsz=export_imgsz, log=lines.append, agreement_images=8)
    manifest = json.loads((tmp_path / f"yolov5n-{export_imgsz}.onnx.json").read_text())
    parity = manifest["parity"]
    assert parity["passed"] is False and parity["outputs_passed"] is True
    agreement = parity["detection_agreement"]
    assert agreement["images"] == 8 and agreement["passed"] is False
    assert agreement["value"] < 0.6  # measured 0.477: far below any floor, not a borderline miss
    assert any(
        line.startswith("detection agreement on 8 coco128 images") and "FAILED" in line for line in lines
    )
