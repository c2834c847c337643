"""``compress`` end to end on the real yolov5n at a tiny input (64 px, one epoch): pruned, fine-tuned on the
train split, exported with a manifest, cached; and the training data never holds an evaluation image."""

from __future__ import annotations

import json

import cv2
import numpy as np
import onnxruntime as ort
import pytest
import torch

from smartcamrt_tools.cli import build_parser
from smartcamrt_tools.compression.data import load_train_set
from smartcamrt_tools.compression.pipeline import Recipe, compress
from smartcamrt_tools.compression.train import FineTuneConfig
from smartcamrt_tools.evaluation.split import eval_images, train_images


def test_training_data_is_the_train_split_only(assets):
    data = load_train_set(64)
    names = {p.name for p in data.paths}
    assert names == {p.name for p in train_images()}
    assert not names & {p.name for p in eval_images()}
    assert data.images.shape == (64, 3, 64, 64)
    boxes = data.labels[:, 2:]
    assert len(data.labels) > 100 and boxes.min() >= 0 and boxes.max() <= 1
    assert set(data.labels[:, 0].long().tolist()) <= set(range(64))


def test_compress_prunes_fine_tunes_exports_and_caches(assets, tmp_path):
    recipe = Recipe(method="structured", ratio=0.2, imgsz=64, train=FineTuneConfig(epochs=1, batch_size=16))
    lines: list[str] = []
    artifact = compress(
        recipe, "onnx", tmp_path, threads=1, agreement_images=4, show_progress=False, log=lines.append
    )
    assert artifact == tmp_path / "yolov5n-prune-s20-e1-64.onnx"
    manifest = json.loads(artifact.with_name(artifact.name + ".json").read_text())
    record = manifest["compression"]
    assert manifest["parity"]["passed"] and manifest["format"] == "onnx"
    assert manifest["source"]["path"].endswith("yolov5n-prune-s20-e1-64.safetensors")
    assert manifest["source"]["base"]["official"] is True
    assert record["method"] == "structured" and record["ratio"] == 0.2 and len(record["history"]) == 1
    assert record["params_ratio"] < 0.8 and record["flops_ratio"] < 0.8
    assert manifest["output"]["shape"] == [1, 3 * (8 * 8 + 4 * 4 + 2 * 2), 85]
    session = ort.InferenceSession(str(artifact), providers=["CPUExecutionProvider"])
    out = session.run(None, {"images": np.zeros((1, 3, 64, 64), np.float32)})[0]
    assert out.shape == (1, 252, 85)

    again: list[str] = []
    assert (
        compress(recipe, "onnx", tmp_path, agreement_images=4, show_progress=False, log=again.append)
        == artifact
    )
    assert any("up to date" in line for line in again)
    assert not any("fine-tuning" in line for line in again)


def test_ratio_zero_without_training_is_the_base_model_through_the_whole_pipeline(assets, tmp_path):
    """Sanity check (a): prune 0 % -> save -> load -> fuse -> export must give the base model's outputs.
    Anchors, strides, BatchNorm eps or a layer lost on the way would show here, not only as a low mAP."""
    from smartcamrt_tools.assets import resolve_weights
    from smartcamrt_tools.checkpoint import load_checkpoint
    from smartcamrt_tools.compression.store import load_compressed
    from smartcamrt_tools.vision.letterbox import preprocess
    from smartcamrt_tools.yolov5 import build_from_checkpoint

    recipe = Recipe(method="structured", ratio=0.0, imgsz=64, train=FineTuneConfig(epochs=0))
    artifact = compress(
        recipe, "onnx", tmp_path, threads=1, agreement_images=4, show_progress=False, log=lambda _: None
    )
    base = build_from_checkpoint(load_checkpoint(resolve_weights("yolov5n.pt")))
    loaded = load_compressed(tmp_path / "yolov5n-prune-s0-e0-64.safetensors")
    assert loaded.stride == base.stride
    torch.testing.assert_close(loaded.model.detect.anchors, base.detect.anchors)
    images = [preprocess(cv2.imread(str(p)), (64, 64))[0] for p in eval_images()[:4]]
    batch = np.concatenate(images)
    with torch.no_grad():
        expected = base(torch.from_numpy(batch)).numpy()
        np.testing.assert_array_equal(loaded.model(torch.from_numpy(batch)).numpy(), expected)
    session = ort.InferenceSession(str(artifact), providers=["CPUExecutionProvider"])
    for index, image in enumerate(images):
        got = session.run(None, {"images": image})[0]
        np.testing.assert_allclose(got[0, :, :4], expected[index, :, :4], atol=2e-3)  # boxes, pixels
        np.testing.assert_allclose(got[0, :, 4:], expected[index, :, 4:], atol=1e-4)  # scores


def test_cli_parses_compress_commands():
    parser = build_parser()
    args = parser.parse_args(["compress", "distill", "--ratio", "35", "--epochs", "5", "--imgsz", "416"])
    assert (args.action, args.ratio, args.epochs, args.imgsz, args.distill_weight) == (
        "distill",
        0.35,
        5,
        416,
        1.0,
    )
    args = parser.parse_args(["compress", "prune", "--method", "unstructured", "--ratio", "0.5"])
    assert (args.method, args.ratio, args.epochs) == ("unstructured", 0.5, 10)
    with pytest.raises(SystemExit):
        parser.parse_args(["compress", "prune", "--ratio", "150"])
