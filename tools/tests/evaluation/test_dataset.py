"""Labelled image folders: the layouts, YOLO labels to COCO ground truth, and one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.evaluation.dataset import find_dataset, ground_truth_document, read_labels

NAMES = ["person", "bicycle", "car"]


def coco128_pair(assets: Path, name: str) -> tuple[Path, Path]:
    root = assets / "coco128"
    return root / "images" / "train2017" / f"{name}.jpg", root / "labels" / "train2017" / f"{name}.txt"


def test_coco128_default_layout(assets):
    dataset = find_dataset(assets / "coco128")
    assert dataset.name == "coco128" and len(dataset.images) == 128
    assert len(dataset.class_names) == 80 and dataset.class_names[0] == "person"
    assert dataset.id_rule == "the number in the file name"
    assert dataset.images[0].image_id == 9
    background = [i.path.name for i in dataset.images if i.label is None]
    assert background == ["000000000250.jpg", "000000000508.jpg"]  # coco128's two unlabelled images


def test_side_by_side_layout_and_ground_truth(assets, tmp_path):
    image, label = coco128_pair(assets, "000000000009")
    shutil.copy(image, tmp_path / "a.jpg")
    (tmp_path / "a.txt").write_text("1 0.5 0.5 0.5 0.25\n\n2 0.1 0.2 0.3 0.4 0.3 0.2\n")  # box, polygon
    shutil.copy(image, tmp_path / "b.jpg")  # no label: a background image
    dataset = find_dataset(tmp_path)
    assert [i.image_id for i in dataset.images] == [1, 2]  # not numbers: position in name order
    truth = ground_truth_document(dataset, NAMES)
    assert [i["width"] for i in truth["images"]] == [640, 640]
    height = truth["images"][0]["height"]
    first, second = truth["annotations"]
    assert first["bbox"] == [160.0, round(0.375 * height, 3), 320.0, round(0.25 * height, 3)]
    assert first["category_id"] == 1 and first["id"] == 1 and first["iscrowd"] == 0
    assert second["bbox"] == pytest.approx([64.0, 0.2 * height, 128.0, 0.2 * height], abs=1e-3)
    assert [c["id"] for c in truth["categories"]] == [0, 1, 2]


def test_images_folder_with_sibling_labels(assets, tmp_path):
    image, label = coco128_pair(assets, "000000000009")
    (tmp_path / "images" / "val").mkdir(parents=True)
    (tmp_path / "labels" / "val").mkdir(parents=True)
    shutil.copy(image, tmp_path / "images" / "val")
    shutil.copy(label, tmp_path / "labels" / "val")
    for data in (tmp_path, tmp_path / "images" / "val"):
        dataset = find_dataset(data)
        assert [i.label for i in dataset.images] == [tmp_path / "labels" / "val" / label.name]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no images found"),
        (lambda d: (d / "x.jpg").write_bytes(b"jpg"), "no YOLO labels found"),
    ],
)
def test_unusable_folders(tmp_path, setup, message):
    setup(tmp_path)
    with pytest.raises(ToolError, match=message):
        find_dataset(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(ToolError, match="no such folder"):
        find_dataset(tmp_path / "nope")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 0.5 0.5 0.1\n", "expected 'class cx cy w h'"),
        ("7 0.5 0.5 0.1 0.1\n", "class 7 is not one"),
        ("person 0.5 0.5 0.1 0.1\n", "not a YOLO label line"),
    ],
)
def test_bad_label_lines_name_file_and_line(tmp_path, text, message):
    label = tmp_path / "a.txt"
    label.write_text(text)
    with pytest.raises(ToolError, match=f"a.txt:1: {message}"):
        read_labels(label, 100, 100, len(NAMES))
