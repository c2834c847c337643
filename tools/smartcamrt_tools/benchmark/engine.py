"""Drives the C++ engine (`smartcamrt`): it does the timing for every runtime it has."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ToolError


def engine_binary() -> str:
    """$SMARTCAMRT_BIN, then `smartcamrt` on PATH, then the build folder of this checkout."""
    explicit = os.environ.get("SMARTCAMRT_BIN")
    if explicit:
        return explicit
    on_path = shutil.which("smartcamrt")
    if on_path:
        return on_path
    built = Path(__file__).resolve().parents[3] / "build" / "smartcamrt"
    if built.is_file():
        return str(built)
    raise ToolError("the C++ engine 'smartcamrt' was not found: run scripts/setup.sh or set SMARTCAMRT_BIN")


def _run(args: list[str]) -> str:
    result = subprocess.run([engine_binary(), *args], capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ToolError(f"smartcamrt {args[0]} failed: {message}")
    return result.stdout


def info() -> dict:
    """`smartcamrt info --json`: the host and every backend."""
    return json.loads(_run(["info", "--json"]))


def available_runtimes(info_doc: dict) -> dict[str, dict]:
    """Backend name -> its entry in the info document (available, version, reason, suffixes)."""
    return {backend["name"]: backend for backend in info_doc["backends"]}


def host_line(info_doc: dict) -> str:
    host = info_doc["host"]
    return f"{host['cpu_model']}, {host['cores']} cores, {host['os']}"


def bench(model: Path, runtime: str, threads: int, runs: int, warmup: int, interval_ms: float = 0.0) -> dict:
    """`smartcamrt bench`: back to back, or one run every ``interval_ms`` (a camera's cadence)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        _run(["bench", "--model", str(model), "--runtime", runtime, "--threads", str(threads),
              "--runs", str(runs), "--warmup", str(warmup), "--interval-ms", str(interval_ms),
              "--json", str(out)])  # fmt: skip
        return json.loads(out.read_text())


def pipeline_run(model: Path, runtime: str, source: str, frames: int, threads: int, out: Path) -> dict:
    """A real-time pipeline run; returns its summary.json."""
    _run(["run", "--model", str(model), "--runtime", runtime, "--source", source, "--frames", str(frames),
          "--threads", str(threads), "--realtime", "--no-save", "--quiet", "--out", str(out)])  # fmt: skip
    return json.loads((out / "summary.json").read_text())
