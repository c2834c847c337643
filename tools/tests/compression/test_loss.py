from __future__ import annotations

import math

import torch

from smartcamrt_tools.compression.data import TrainSet
from smartcamrt_tools.compression.loss import YoloLoss, bbox_ciou, build_targets, raw_outputs
from smartcamrt_tools.compression.train import FineTuneConfig, fine_tune


def test_ciou_is_one_for_equal_boxes_and_penalises_distance_and_shape():
    box = torch.tensor([[5.0, 5.0, 2.0, 4.0]])
    assert torch.allclose(bbox_ciou(box, box), torch.ones(1), atol=1e-6)
    shifted = torch.tensor([[6.0, 5.0, 2.0, 4.0]])
    # IoU 1/3 (overlap 1x4 of union 12), centre term 1 / (3^2 + 4^2), same aspect: no v term
    assert math.isclose(bbox_ciou(shifted, box).item(), 1 / 3 - 1 / 25, abs_tol=1e-5)
    wider = torch.tensor([[5.0, 5.0, 4.0, 4.0]])
    assert bbox_ciou(wider, box).item() < 0.5  # IoU 0.5 less an aspect penalty


def test_matching_takes_the_centre_cell_and_its_two_nearest_neighbours():
    levels = [torch.zeros(1, 1, 4, 4, 6)]  # one level 4x4, one anchor, nc = 1
    anchors = torch.tensor([[[1.0, 1.0]]])
    # centre (1.25, 2.75) in cells: left half of column 1 -> also column 0; lower half of row 2 -> row 3
    target = torch.tensor([[0, 0, 1.25 / 4, 2.75 / 4, 1.0 / 4, 1.0 / 4]])
    image, anchor, gj, gi, cls, box, anchor_wh = build_targets(levels, target, anchors, 4.0)[0]
    assert sorted(zip(gj.tolist(), gi.tolist(), strict=True)) == [(2, 0), (2, 1), (3, 1)]
    # box x/y are offsets from each assigned cell's corner: in [-0.5, 1.5) by construction
    assert box[:, :2].min() >= -0.5 and box[:, :2].max() < 1.5
    assert torch.allclose(box[:, 2:], torch.ones(3, 2))
    # an anchor 5x larger than the label is not matched (ratio > anchor_t = 4)
    assert build_targets(levels, target, anchors * 5, 4.0)[0][0].numel() == 0


def test_loss_decreases_on_a_tiny_overfit(tiny_model):
    torch.manual_seed(0)
    images = (torch.rand(2, 3, 64, 64) * 255).to(torch.uint8)
    labels = torch.tensor(
        [[0, 1, 0.5, 0.5, 0.4, 0.6], [1, 2, 0.3, 0.6, 0.2, 0.3], [1, 0, 0.7, 0.3, 0.3, 0.2]]
    )
    data = TrainSet(images, labels, [], 64, "synthetic")
    criterion = YoloLoss(tiny_model, 64)

    def loss_now() -> float:
        with torch.no_grad():
            return criterion(raw_outputs(tiny_model, images.float() / 255), labels)[0].item()

    tiny_model.train()
    before = loss_now()
    history = fine_tune(
        tiny_model,
        data,
        FineTuneConfig(epochs=100, batch_size=2, lr=0.05, flip=False),
        show_progress=False,
        log=lambda _: None,
    )
    tiny_model.train()  # the same BatchNorm mode as the first measurement
    after = loss_now()
    assert len(history) == 100
    assert after < 0.5 * before, (before, after)
