"""The written-down coco128 split: fixed, disjoint, and what calibration may use."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.evaluation import split
from smartcamrt_tools.evaluation.split import (
    COCO128_EVAL_FIRST,
    COCO128_EVAL_LAST,
    COCO128_IMAGES,
    COCO128_TRAIN_FIRST,
    calibration_images,
    describe_split,
    eval_images,
    split_images,
    train_images,
)


def test_coco128_split_is_the_documented_one(assets):
    evaluation, train = eval_images(), train_images()
    assert len(evaluation) == len(train) == COCO128_IMAGES // 2
    assert (evaluation[0].name, evaluation[-1].name) == (COCO128_EVAL_FIRST, COCO128_EVAL_LAST)
    assert train[0].name == COCO128_TRAIN_FIRST
    assert not {p.name for p in evaluation} & {p.name for p in train}
    assert sorted(p.name for p in evaluation + train) == sorted(p.name for p in split.coco128_images())


def test_calibration_comes_from_the_train_split_only(assets):
    evaluation = {p.name for p in eval_images()}
    assert [p.name for p in calibration_images(64)] == [p.name for p in train_images()]
    assert not {p.name for p in calibration_images(16)} & evaluation
    with pytest.raises(ToolError, match="training split has 64"):
        calibration_images(65)


def test_the_quantization_default_calibration_does_not_touch_eval(assets):
    # quantization/calibration.py takes its images from the train split; its default N (64) is all of it.
    from smartcamrt_tools.quantization.calibration import calibration_images as quant_calibration
    from smartcamrt_tools.quantization.config import QuantConfig

    default = QuantConfig().calibration_images
    assert default <= COCO128_IMAGES // 2
    assert not {p.name for p in quant_calibration(default)} & {p.name for p in eval_images()}


def test_the_rule_on_any_folder():
    names = [Path(f"{n}.jpg") for n in "fedcba"]
    assert [p.name for p in split_images(names, "eval")] == ["a.jpg", "b.jpg", "c.jpg"]
    assert [p.name for p in split_images(names, "train")] == ["d.jpg", "e.jpg", "f.jpg"]
    assert len(split_images(names, "all")) == 6
    assert [p.name for p in split_images(names[:5], "eval")] == ["b.jpg", "c.jpg"]  # n // 2 of b..f
    assert describe_split("eval", 128) == "eval: first 64 of 128 images by name"
    with pytest.raises(ToolError, match="unknown split"):
        split_images(names, "test")
