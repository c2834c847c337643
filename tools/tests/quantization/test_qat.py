"""QAT plumbing on a tiny YOLOv5 built in code (yolov5n's layers at 1/8 width, 3 classes, 64 px):
the prepared graph trains (a step moves the weights and the loss is finite), its weights come back into
the fp32 model by name, and the unfused checkpoint written from them computes what the fused model does."""

from __future__ import annotations

import copy

import pytest
import torch

from smartcamrt_tools.assets import resolve_weights
from smartcamrt_tools.checkpoint import load_checkpoint
from smartcamrt_tools.compression.loss import YoloLoss, raw_outputs
from smartcamrt_tools.quantization.qat import prepare_qat, trained_fp32, unfused_checkpoint
from smartcamrt_tools.yolov5 import DetectionModel
from smartcamrt_tools.yolov5.fuse import fuse_model

TINY = 64


@pytest.fixture(scope="module")
def unfused(assets) -> DetectionModel:
    config = copy.deepcopy(load_checkpoint(resolve_weights("yolov5n.pt")).config)
    config.update(nc=3, width_multiple=0.125)
    torch.manual_seed(0)
    model = DetectionModel(config, bn_eps=1e-3)
    with torch.no_grad():
        model.detect.anchors /= model.detect.stride.view(-1, 1, 1)
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_var.uniform_(0.5, 2.0)
                module.running_mean.uniform_(-0.1, 0.1)
                module.bias.uniform_(-0.1, 0.1)
    return model.eval()


def test_qat_step_and_weights_back(unfused):
    fused = fuse_model(copy.deepcopy(unfused)).eval()
    qat = prepare_qat(copy.deepcopy(fused), TINY, keep_float=["model.0"])
    images = torch.rand(4, 3, TINY, TINY)
    targets = torch.tensor([[0, 1, 0.5, 0.5, 0.3, 0.3], [2, 0, 0.3, 0.6, 0.2, 0.4]])
    qat.train()
    levels = raw_outputs(qat, images)
    assert [tuple(level.shape[:2]) for level in levels] == [(4, 3)] * 3
    loss, _ = YoloLoss(qat, TINY)(levels, targets)
    assert torch.isfinite(loss)
    before = {k: v.clone() for k, v in qat.graph.state_dict().items() if k.endswith("weight")}
    optimizer = torch.optim.SGD(qat.parameters(), lr=0.1)
    loss.backward()
    optimizer.step()
    qat.train(False)
    moved = [k for k, v in qat.graph.state_dict().items() if k in before and not torch.equal(v, before[k])]
    assert moved, "no weight changed"
    trained = trained_fp32(fused, qat)
    for name in moved:
        assert torch.equal(trained.state_dict()[name], qat.graph.state_dict()[name])
    # The fake-quantized forward stays close to the float one (it simulates int8, it does not break).
    x = torch.rand(1, 3, TINY, TINY)
    with torch.no_grad():
        simulated, reference = qat(x), trained(x)
    cosine = torch.nn.functional.cosine_similarity(simulated.flatten(), reference.flatten(), dim=0)
    assert cosine > 0.98


def test_unfused_checkpoint_computes_the_fused_model(unfused):
    fused = fuse_model(copy.deepcopy(unfused)).eval()
    with torch.no_grad():
        for param in fused.parameters():  # "trained": move every weight a little
            param.add_(0.01 * torch.randn_like(param))
    restored = unfused_checkpoint(fused, unfused)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in restored.modules())
    x = torch.rand(1, 3, TINY, TINY)
    with torch.no_grad():
        torch.testing.assert_close(restored(x), fused(x), atol=1e-4, rtol=1e-4)
