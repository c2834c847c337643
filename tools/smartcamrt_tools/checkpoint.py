"""Reads an official YOLOv5 ``.pt`` checkpoint without executing pickled code.

The file is a torch zip archive (``<root>/data.pkl`` + ``<root>/data/<key>`` storages). The pickle holds
a whole ``models.yolo.DetectionModel`` object graph; :mod:`smartcamrt_tools.safe_pickle` turns it into
inert stubs, from which this module takes what the project needs to rebuild the network itself: the
architecture config (``model.yaml``), class names, strides and a flat state_dict.
"""

from __future__ import annotations

import hashlib
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .errors import ToolError
from .safe_pickle import ForbiddenGlobalError, RestrictedUnpickler, StubObject

# sha256 of the official Ultralytics release assets (v7.0), so a report can say whether a file is one.
OFFICIAL_SHA256 = {
    "yolov5n.pt": "4f180cf23ba0717ada0badd6c685026d73d48f184d00fc159c2641284b2ac0a3",
    "yolov5s.pt": "8b3b748c1e592ddd8868022e8732fde20025197328490623cc16c6f24d0782ee",
}


@dataclass
class Checkpoint:
    """What the project uses from a YOLOv5 checkpoint."""

    path: Path
    sha256: str
    config: dict[str, Any]  # the model yaml: nc, depth_multiple, width_multiple, anchors, backbone, head
    names: list[str]
    stride: list[int]
    state_dict: dict[str, torch.Tensor]
    bn_eps: float | None = None  # BatchNorm eps as trained (YOLOv5 sets 1e-3, not torch's 1e-5)
    extras: dict[str, Any] = field(default_factory=dict)  # epoch, date, ... for reports

    @property
    def official(self) -> bool | None:
        """True/False when the file name has a known official hash, None otherwise."""
        expected = OFFICIAL_SHA256.get(self.path.name)
        return None if expected is None else expected == self.sha256


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unpickle_torch_zip(path: Path) -> Any:
    """Unpickle ``data.pkl`` of a torch zip checkpoint through the restricted unpickler."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ToolError(f"{path} is not a PyTorch zip checkpoint ({exc})") from exc
    with archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if not pickles:
            raise ToolError(f"{path} has no data.pkl; not a PyTorch zip checkpoint")
        root = pickles[0][: -len("data.pkl")]

        def read_storage(key: str) -> bytes:
            return archive.read(f"{root}data/{key}")

        unpickler = RestrictedUnpickler(archive.read(pickles[0]), read_storage, path.name)
        try:
            return unpickler.load()
        except ForbiddenGlobalError:
            raise
        except (pickle.UnpicklingError, EOFError, KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise ToolError(
                f"{path} is a damaged or unsupported checkpoint ({type(exc).__name__}: {exc})"
            ) from exc


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Load a YOLOv5 checkpoint into a :class:`Checkpoint` (weights as stored, usually fp16)."""
    path = Path(path)
    sha256 = file_sha256(path)
    content = unpickle_torch_zip(path)
    if not isinstance(content, dict):
        raise ToolError(f"{path}: expected a checkpoint dict, found {type(content).__name__}")
    # YOLOv5 saves the EMA weights in 'ema' during training and in 'model' once stripped; it prefers ema.
    model = content.get("ema") or content.get("model")
    if not isinstance(model, StubObject):
        raise ToolError(f"{path}: no pickled model under 'model' or 'ema'")
    attrs = model.__dict__
    config = attrs.get("yaml")
    if not isinstance(config, dict) or not {"backbone", "head", "nc", "anchors"} <= config.keys():
        raise ToolError(f"{path}: the model carries no YOLOv5 architecture config (model.yaml)")
    names = attrs.get("names")
    if isinstance(names, dict):  # newer checkpoints store {index: name}
        names = [names[i] for i in sorted(names)]
    stride = attrs.get("stride")
    return Checkpoint(
        path=path,
        sha256=sha256,
        config=config,
        names=[str(n) for n in names] if names is not None else [str(i) for i in range(config["nc"])],
        stride=[int(s) for s in torch.as_tensor(stride).tolist()] if stride is not None else [],
        state_dict=collect_state_dict(model),
        bn_eps=_first_batchnorm_eps(model),
        extras={k: content[k] for k in ("epoch", "date") if k in content},
    )


def iter_submodules(module: StubObject, prefix: str = ""):
    """Yield (dotted name, stub) for a stubbed nn.Module and all its children, depth first."""
    yield prefix, module
    for name, child in (module.__dict__.get("_modules") or {}).items():
        if child is not None:
            yield from iter_submodules(child, f"{prefix}{name}.")


def collect_state_dict(module: StubObject) -> dict[str, torch.Tensor]:
    """The flat state_dict nn.Module.state_dict() would give: parameters, then persistent buffers."""
    state: dict[str, torch.Tensor] = {}
    for prefix, sub in iter_submodules(module):
        attrs = sub.__dict__
        for name, tensor in (attrs.get("_parameters") or {}).items():
            if tensor is not None:
                state[prefix + name] = tensor
        non_persistent = attrs.get("_non_persistent_buffers_set") or set()
        for name, tensor in (attrs.get("_buffers") or {}).items():
            if tensor is not None and name not in non_persistent:
                state[prefix + name] = tensor
    return state


def _first_batchnorm_eps(module: StubObject) -> float | None:
    for _, sub in iter_submodules(module):
        if type(sub).__name__ == "BatchNorm2d" and "eps" in sub.__dict__:
            return float(sub.__dict__["eps"])
    return None
