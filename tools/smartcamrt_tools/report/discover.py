"""Finds result files by what they hold, not by their name or place: every ``*.json`` under the folders
given (and the default ones) is read and classified by its keys. A result moved or renamed is still found;
a file that merely sits where results usually are is not taken for one."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Provenance

PRODUCED_BY = "produced-by.json"  # written by `report --run` beside what a step wrote: its exact command
MAX_BYTES = 8_000_000  # results are small; skips detection dumps and the like without reading them
MAX_DEPTH = 6
SKIP_DIRS = {".git", "__pycache__", "node_modules", ".venv", "annotated"}

# kind -> what a result of that kind is (for messages)
KINDS = {
    "runtimes": "bench-runtimes table (runtimes.json)",
    "model-comparison": "model comparison (CNN / LSTM / transformer)",
    "text-dev": "text models on SST-2 dev through the engine against Python (text_dev.py)",
    "compression": "compression table (compression.json)",
    "int8-speedup": "int8 against fp32 per runtime (quantization.speedup: speedup.json)",
    "stress": "smartcamrt stress comparison (stress.json)",
    "profile": "device profile (smartcamrt profile)",
    "emulated-run": "a run of the Raspberry Pi bundle under emulation (verify-pi.sh: emulation.json)",
    "bundle": "a Raspberry Pi bundle's BUNDLE.json",
    "run": "a run folder's summary.json (smartcamrt run, ref-run)",
}


@dataclass
class Result:
    kind: str
    path: Path
    data: dict[str, Any]
    mtime: dt.datetime

    def provenance(self, default_command: str) -> Provenance:
        command = recorded_command(self.data) or self.sidecar().get("command") or default_command
        return Provenance(command, *self.when(), self.path)

    def sidecar(self) -> dict:
        try:
            data = json.loads((self.path.parent / PRODUCED_BY).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def when(self) -> tuple[dt.datetime, str]:
        recorded = recorded_time(self.data)
        return (recorded, "recorded") if recorded else (self.mtime, "file time")


def _rows(data: dict) -> list[dict]:
    rows = data.get("rows")
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def classify(data: Any) -> str | None:
    """The kind of a parsed JSON document, or None when it is no result this report knows."""
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if kind in ("model-comparison", "text-dev"):
        return kind
    if kind == "compression-table":
        return "compression"
    if kind in ("runtime-comparison", "bench-runtimes"):
        return "runtimes"
    rows = _rows(data)
    if rows and "machine" in data and all("runtime" in r and "p50_ms" in r for r in rows):
        return "runtimes"
    if rows and "cpu" in data and all("variant" in r and "mAP50-95" in r for r in rows):
        return "compression"
    if rows and all("fp32_p50_ms" in r and "int8_p50_ms" in r and "runtime" in r for r in rows):
        return "int8-speedup"
    modes = data.get("modes")
    if isinstance(modes, list) and modes and isinstance(data.get("config"), dict):
        if all(isinstance(m, dict) and "slo_attainment" in m for m in modes):
            return "stress"
    if "fingerprint" in data and isinstance(data.get("configurations"), list) and "host" in data:
        return "profile"
    if data.get("emulated") is True and "emulator" in data and "command" in data:
        return "emulated-run"
    if "runtimes_bundled" in data and "target" in data:
        return "bundle"
    if isinstance(data.get("tool"), str) and "run_id" in data and isinstance(data.get("stages"), dict):
        return "run"
    return None


def recorded_command(data: dict) -> str | None:
    command = data.get("command")
    if isinstance(command, list) and all(isinstance(c, str) for c in command):
        return " ".join(command)
    return command if isinstance(command, str) and command else None


_TIME_KEYS = ("created", "created_at", "generated", "generated_at", "timestamp", "date", "finished", "when")


def parse_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def recorded_time(data: dict) -> dt.datetime | None:
    for key in _TIME_KEYS:
        value = data.get(key)
        if isinstance(value, str) and (parsed := parse_time(value)):
            return parsed.astimezone(dt.UTC)
    return None


def run_id_time(run_id: str) -> dt.datetime | None:
    """The engine's run ids start with the local start time, YYYYMMDD-HHMMSS."""
    match = re.match(r"(\d{8}-\d{6})", run_id or "")
    if not match:
        return None
    local = dt.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").astimezone()
    return local.astimezone(dt.UTC)


def _json_files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    base_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).parts) - base_depth
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and depth < MAX_DEPTH)
        for name in sorted(files):
            if name.endswith(".json"):
                yield Path(folder) / name


def discover(roots: Iterable[Path]) -> dict[str, list[Result]]:
    """Every result under ``roots``, by kind, newest first; a file reached twice counts once."""
    found: dict[str, list[Result]] = {}
    seen: set[Path] = set()
    for root in roots:
        if not root.exists():
            continue
        for path in _json_files(root):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            try:
                stat = path.stat()
                if stat.st_size > MAX_BYTES:
                    continue
                data = json.loads(path.read_bytes())
            except (OSError, ValueError):
                continue  # unreadable or not JSON: not a result
            kind = classify(data)
            if kind:
                mtime = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
                found.setdefault(kind, []).append(Result(kind, path, data, mtime))
    for results in found.values():
        results.sort(key=lambda r: r.when()[0], reverse=True)
    return found
