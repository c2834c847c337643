"""The files that make up a prepared model: the artifact and the sidecar files that must sit beside it.

Most formats are one file. OpenVINO IR is two: ``<name>.xml`` (the graph: the artifact, which the
engine picks its backend by) and ``<name>.bin`` (the weights), which OpenVINO finds by replacing the
suffix. Anything that hashes, sizes, copies or deletes a prepared model goes through :func:`model_files`
so the weights travel with the graph. The rule is keyed by the artifact's last suffix, as the engine's
backend choice is, and needs no manifest.

Plain ``pathlib``: cheap to import (bench-runtimes uses it without loading torch).
"""

from __future__ import annotations

from pathlib import Path

from .errors import ToolError

SIDECAR_SUFFIXES: dict[str, tuple[str, ...]] = {".xml": (".bin",)}  # artifact suffix -> sidecars


def sidecars(artifact: Path) -> list[Path]:
    """Where the files that belong beside ``artifact`` are (whether or not they exist)."""
    artifact = Path(artifact)
    return [artifact.with_suffix(suffix) for suffix in SIDECAR_SUFFIXES.get(artifact.suffix, ())]


def model_files(artifact: Path) -> list[Path]:
    """The artifact first, then its sidecars; each must exist (a missing one is a one-line ToolError)."""
    artifact = Path(artifact)
    files = [artifact, *sidecars(artifact)]
    for path in files:
        if not path.is_file():
            if path == artifact:
                raise ToolError(f"{path}: no such model file")
            raise ToolError(f"{path}: missing; '{artifact.name}' needs it beside it")
    return files


def model_size_bytes(artifact: Path) -> int:
    """Bytes on disk of the artifact and its sidecars together."""
    return sum(path.stat().st_size for path in model_files(artifact))
