"""Folds each Conv's BatchNorm into its convolution (inference only).

The fused network computes the same function with one op less per block; the exported graph is
smaller and has no BatchNorm for a converter to handle. Numerically it differs from the unfused model by
float rounding only, which the export parity check measures.
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import Conv


@torch.no_grad()
def fuse_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """Return a Conv2d with bias equal to conv followed by bn (bn in eval mode)."""
    fused = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        bias=True,
    ).to(conv.weight.device)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias.copy_((conv_bias - bn.running_mean) * scale + bn.bias)
    return fused.requires_grad_(False)


def fuse_model(model: nn.Module) -> nn.Module:
    """Fuse every :class:`Conv` block in place and return the model."""
    for module in model.modules():
        if isinstance(module, Conv) and hasattr(module, "bn"):
            module.conv = fuse_conv_bn(module.conv, module.bn)
            del module.bn
            module.forward = module.forward_fused
    return model
