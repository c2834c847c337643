"""Versions of the tools that made an artifact or a run, for manifests and summaries."""

from __future__ import annotations

import platform
from importlib import metadata

from . import __version__


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def tool_versions(*packages: str) -> dict[str, str | None]:
    """``{"python": ..., <package>: ..., "smartcamrt_tools": ...}``."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    versions.update({name: package_version(name) for name in packages})
    versions["smartcamrt_tools"] = __version__
    return versions
