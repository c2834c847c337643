"""Finds model files and data assets.

Resolution order (DESIGN.md, "Assets"): an explicit existing path; the cache
``$SMARTCAMRT_HOME/<kind>/<name>`` (default ``~/.cache/smartcamrt``); ``$SMARTCAMRT_ASSETS/<kind>/<name>``;
the official download address, saved into the cache. Offline, the last step fails with one line that
says which file to put where. Only names with a known official address are ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from .errors import ToolError

_YOLOV5_RELEASE = "https://github.com/ultralytics/yolov5/releases/download/v7.0/{name}"
_YOLOV5_IMAGES = "https://raw.githubusercontent.com/ultralytics/yolov5/v7.0/data/images/{name}"
OFFICIAL_URLS: dict[tuple[str, str], str] = {
    **{
        ("models", name): _YOLOV5_RELEASE.format(name=name)
        for name in (f"yolov5{size}{p6}.pt" for size in "nsmlx" for p6 in ("", "6"))
    },
    **{("images", name): _YOLOV5_IMAGES.format(name=name) for name in ("bus.jpg", "zidane.jpg")},
}
DOWNLOAD_TIMEOUT_S = 30


def smartcamrt_home() -> Path:
    return Path(os.environ.get("SMARTCAMRT_HOME") or Path.home() / ".cache" / "smartcamrt")


def assets_dir() -> Path | None:
    value = os.environ.get("SMARTCAMRT_ASSETS")
    return Path(value) if value else None


def resolve_asset(kind: str, name: str) -> Path:
    """Return an existing local file for ``<kind>/<name>`` (kind: ``models``, ``images``)."""
    cache = smartcamrt_home() / kind
    candidates = [cache / name]
    if assets_dir() is not None:
        candidates.append(assets_dir() / kind / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    url = OFFICIAL_URLS.get((kind, name))
    if url is None:
        searched = ", ".join(str(c.parent) for c in candidates)
        raise ToolError(f"'{name}' not found (looked in: {searched}); pass an existing path")
    return download(url, cache / name)


def resolve_weights(weights: str) -> Path:
    """An existing path, or a model name such as ``yolov5n.pt`` / ``yolov5n`` resolved as above."""
    explicit = Path(weights).expanduser()
    if explicit.is_file():
        return explicit.resolve()
    name = explicit.name if explicit.suffix else explicit.name + ".pt"
    return resolve_asset("models", name)


def download(url: str, target: Path) -> Path:
    """Download ``url`` to ``target`` atomically; a failure names the file and where to put it."""
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
        partial.replace(target)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise ToolError(
            f"{target.name} is not available locally and downloading {url} failed ({reason}); "
            f"put {target.name} into {target.parent}/ (or into $SMARTCAMRT_ASSETS/{target.parent.name}/)"
        ) from exc
    return target.resolve()
