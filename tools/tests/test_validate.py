from __future__ import annotations

import numpy as np

from smartcamrt_tools.validate import ParityTolerance, compare_outputs, load_parity_inputs

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
