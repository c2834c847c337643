"""Distillation on unlabelled frames: the image set (no evaluation image), the per-group pruning plan, and
the label-free distillation loop -- on a tiny YOLOv5 built in code and a tiny video written here."""

from __future__ import annotations

import copy
import shutil

import cv2
import numpy as np
import pytest
import torch

from smartcamrt_tools.compression.frame_distill import distill_unlabelled
from smartcamrt_tools.compression.frames import decode_frames, distillation_sources
from smartcamrt_tools.compression.group_plan import (
    GroupCost,
    group_names,
    group_sensitivity,
    plan_ratios,
    prune_groups,
)
from smartcamrt_tools.compression.prune import conv_channels, count_cost
from smartcamrt_tools.compression.train import FineTuneConfig
from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.evaluation.split import eval_images


def test_distillation_sources_are_the_training_split_only(assets):
    sources = distillation_sources(assets / "coco128")
    held_out = {p.name for p in eval_images()}
    assert len(sources) == 64 and len(held_out) == 64
    assert not held_out & {p.name for p in sources}
    assert sources[0].name == "000000000370.jpg"


def test_distillation_sources_of_another_folder_leave_out_its_first_half(assets, tmp_path):
    image = assets / "coco128" / "images" / "train2017" / "000000000009.jpg"
    for name in ("a", "b", "c", "d"):
        shutil.copy(image, tmp_path / f"{name}.jpg")
        (tmp_path / f"{name}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    assert [p.name for p in distillation_sources(tmp_path)] == ["c.jpg", "d.jpg"]


def _write_video(path, frames: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (80, 60))
    for index in range(frames):
        writer.write(np.full((60, 80, 3), index * 20, np.uint8))
    writer.release()


def test_decode_frames_takes_every_nth_frame_letterboxed(tmp_path):
    video = tmp_path / "tiny.avi"
    _write_video(video, 7)
    frames = decode_frames([video], imgsz=32, step=2)
    assert frames.shape == (4, 3, 32, 32) and frames.dtype == np.uint8  # frames 0, 2, 4, 6
    # 80x60 -> 32x24 centred: rows 4..27 hold the image, the rest is the letterbox's 114
    assert (frames[:, :, :4] == 114).all() and (frames[:, :, 28:] == 114).all()
    middle = frames[:, 0, 16, 16].astype(int)
    assert np.all(np.diff(middle) > 20)  # 0, 40, 80, 120 (JPEG-rounded): the even frames, in order
    with pytest.raises(ToolError, match="step"):
        decode_frames([video], imgsz=32, step=0)


def test_prune_groups_prunes_only_the_named_groups_without_rounding(tiny_model):
    names = group_names(tiny_model, 64)
    assert names and "model.0.conv" not in names and not any(n.startswith("model.24.") for n in names)
    before = conv_channels(tiny_model)
    target = "model.1.conv"  # 16 channels in the tiny model
    prune_groups(tiny_model, {target: 0.25}, imgsz=64)
    after = conv_channels(tiny_model)
    assert after[target] == before[target] - before[target] // 4  # no round_to: 16 -> 12, not 8
    changed = {n for n in before if after[n] != before[n]}
    assert changed == {target}
    assert tiny_model(torch.rand(1, 3, 64, 64)).shape[-1] == 8  # still runs, 3 classes + 5


def test_plan_reaches_the_flops_target_cheapest_first_and_spares_the_sensitive_group(tiny_model):
    names = group_names(tiny_model, 64)[:6]  # a few groups keep the test short
    base_flops = count_cost(tiny_model, 64).flops

    def saving(name: str) -> int:
        return base_flops - count_cost(prune_groups(copy.deepcopy(tiny_model), {name: 0.5}, 64), 64).flops

    # the sensitive group is the one that saves the most: a plan ranked by saving alone would take it
    sensitive = max(names, key=saving)

    def score(model) -> float:  # a stand-in for mAP: only the sensitive group matters
        return float(conv_channels(model)[sensitive])

    base, costs = group_sensitivity(tiny_model, score, ratios=(0.25, 0.5), imgsz=64, groups=names)
    assert base == conv_channels(tiny_model)[sensitive] and len(costs) == 2 * len(names)
    assert all(c.score_drop == 0 for c in costs if c.group != sensitive)
    assert all(c.score_drop > 0 for c in costs if c.group == sensitive)
    free = [n for n in names if n != sensitive]
    everything_free, _ = plan_ratios(tiny_model, [c for c in costs if c.group != sensitive], 0.0, 64)
    reachable = (
        count_cost(prune_groups(copy.deepcopy(tiny_model), everything_free, 64), 64).flops / base_flops
    )
    target = (1.0 + reachable) / 2  # half-way to what the free groups can give
    plan, ratio = plan_ratios(tiny_model, costs, target=target, imgsz=64)
    assert sensitive not in plan and set(plan) <= set(free) and ratio <= target
    pruned = prune_groups(copy.deepcopy(tiny_model), plan, imgsz=64)
    assert count_cost(pruned, 64).flops / base_flops == pytest.approx(ratio)
    # an unreachable target: every group at its highest ratio, and the plan says how far it got
    only = [c for c in costs if c.group == free[0]]
    plan, ratio = plan_ratios(tiny_model, only, target=0.01, imgsz=64)
    assert plan == {free[0]: 0.5} and 0.01 < ratio < 1.0


def test_group_cost_record_round_trips():
    cost = GroupCost("model.1.conv", 0.25, 0.01, 1000)
    assert cost.to_dict() == {"group": "model.1.conv", "ratio": 0.25, "score_drop": 0.01, "flops_saved": 1000}


def _kd(student, teacher, images) -> float:
    from smartcamrt_tools.compression.distill import distillation_loss
    from smartcamrt_tools.compression.loss import raw_outputs

    with torch.no_grad():
        batch = images.float() / 255.0
        return distillation_loss(raw_outputs(student, batch), raw_outputs(teacher, batch))[0].item()


def test_distill_unlabelled_moves_a_pruned_student_towards_its_teacher(tiny_model):
    teacher = copy.deepcopy(tiny_model)
    student = prune_groups(tiny_model, {n: 0.25 for n in group_names(tiny_model, 64)[:4]}, imgsz=64)
    images = torch.randint(0, 256, (16, 3, 64, 64), dtype=torch.uint8)
    stats = {
        n: b.running_mean.clone() for n, b in student.named_modules() if isinstance(b, torch.nn.BatchNorm2d)
    }
    before = _kd(student, teacher, images)
    history = distill_unlabelled(
        student,
        teacher,
        images,
        FineTuneConfig(epochs=3, batch_size=8, lr=0.01),
        show_progress=False,
        log=lambda _: None,
    )
    assert len(history) == 3 and _kd(student, teacher, images) < before
    # freeze_bn (default): the statistics stay as they were; the affine parameters train
    for name, module in student.named_modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            assert torch.equal(module.running_mean, stats[name])
    assert not student.training


@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_an_unpruned_student_moves_only_through_weight_decay(tiny_model, weight_decay):
    # student = teacher, frozen BatchNorm: the distillation loss is 0 and its gradient is 0 up to rounding
    # (logsigmoid's backward, ~1e-7), so without weight decay the weights stay put to ~1e-9; with it they
    # shrink (docs/compression.md, "Distillation on video frames")
    teacher = copy.deepcopy(tiny_model)
    images = torch.randint(0, 256, (16, 3, 64, 64), dtype=torch.uint8)
    config = FineTuneConfig(epochs=2, batch_size=8, lr=0.01, weight_decay=weight_decay)
    distill_unlabelled(tiny_model, teacher, images, config, show_progress=False, log=lambda _: None)
    reference = teacher.state_dict()
    moved = {
        n: (p - reference[n]).abs().max().item()
        for n, p in tiny_model.state_dict().items()
        if p.dtype.is_floating_point
    }
    if weight_decay == 0:
        assert max(moved.values()) < 1e-7
    else:
        assert max(d for n, d in moved.items() if n.endswith("conv.weight")) > 1e-4
        assert max(d for n, d in moved.items() if ".bn." in n) < 1e-4  # BatchNorm has no weight decay
