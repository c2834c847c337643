from __future__ import annotations

import hashlib

import torch

from smartcamrt_tools.checkpoint import OFFICIAL_SHA256


def test_reads_architecture_names_and_stride(checkpoint):
    assert checkpoint.config["nc"] == 80
    assert len(checkpoint.names) == checkpoint.config["nc"]
    assert checkpoint.names[0] == "person"
    assert checkpoint.names[5] == "bus"
    assert checkpoint.stride == [8, 16, 32]
    assert {"depth_multiple", "width_multiple", "anchors", "backbone", "head"} <= checkpoint.config.keys()


def test_names_match_the_coco_list_in_the_assets(checkpoint, assets):
    coco80 = (assets / "coco128" / "coco80.names").read_text().split("\n")
    assert checkpoint.names == [n for n in coco80 if n]


def test_state_dict_matches_the_rebuilt_model(checkpoint, reference_model):
    expected = reference_model.state_dict()
    assert len(checkpoint.state_dict) == len(expected)
    assert list(checkpoint.state_dict) == list(expected)
    for key, tensor in checkpoint.state_dict.items():
        assert tensor.shape == expected[key].shape, key
    assert checkpoint.state_dict["model.0.conv.weight"].dtype == torch.float16  # stored as shipped


def test_sha256_is_computed_and_recognised(checkpoint, weights):
    assert checkpoint.sha256 == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert checkpoint.official is (checkpoint.sha256 == OFFICIAL_SHA256["yolov5n.pt"])
    assert checkpoint.official is True


def test_batchnorm_eps_comes_from_the_checkpoint(checkpoint, reference_model):
    assert checkpoint.bn_eps == 1e-3
    assert reference_model.model[0].bn.eps == checkpoint.bn_eps
