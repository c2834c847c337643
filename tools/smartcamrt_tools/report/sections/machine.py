"""The machine: this host (CPU model, ISA flags, cores, OS) and the library versions, read when the report
is made, and the machine each shown result records, so that figures from elsewhere stand out."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

from ...versions import package_version
from ..model import Provenance, Section, Table, fmt
from . import Context, Step

KEY = "machine"
TITLE = "The machine"
FILL_COMMAND = "smartcamrt info --json"
ISA_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "amx_int8",
    "amx_bf16",
    "asimd",
    "asimddp",
    "sve",
    "neon",
)
PACKAGES = (
    "onnxruntime",
    "openvino",
    "torch",
    "executorch",
    "ai-edge-litert",
    "numpy",
    "opencv-python-headless",
    "matplotlib",
    "smartcamrt-tools",
)


def cpuinfo(text: str) -> dict[str, object]:
    model, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and not model:
            model = value.strip()
        elif key in ("flags", "features"):
            flags |= set(value.split())
    return {
        "model": model or platform.processor() or "unknown",
        "isa": [f for f in ISA_FLAGS if f in flags],
        "flag_count": len(flags),
    }


def engine_info(repo: Path) -> dict:
    binary = shutil.which("smartcamrt") or str(repo / "build" / "smartcamrt")
    try:
        out = subprocess.run(
            [binary, "info", "--json"], capture_output=True, text=True, timeout=30, check=False
        )
        return json.loads(out.stdout) if out.returncode == 0 else {}
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return {}


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def _result_machine(kind: str, data: dict) -> str:
    if data.get("emulated") is True:
        return f"{data.get('cpu', '?')} emulated by QEMU on {data.get('host_cpu', '?')}"
    host = data.get("host") if isinstance(data.get("host"), dict) else {}
    if host:
        isa = " ".join(host.get("isa") or [])
        return f"{host.get('cpu_model', '?')}, {host.get('cores', '?')} cores" + (
            f", ISA {isa}" if isa else ""
        )
    machine = data.get("machine")
    if isinstance(machine, dict):  # the benchmark scripts' {cpu, flags, cores}
        flags = " ".join(map(str, machine.get("flags") or []))
        return f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, ISA {flags}"
    for key in ("machine", "cpu", "host_cpu"):
        if isinstance(data.get(key), str):
            return data[key]
    return "not recorded"


def build(context: Context) -> Section:
    section = Section(KEY, TITLE, FILL_COMMAND)
    now = dt.datetime.now(dt.UTC)
    try:
        cpu = cpuinfo(Path("/proc/cpuinfo").read_text())
    except OSError:
        cpu = {"model": platform.processor() or "unknown", "isa": [], "flag_count": 0}
    info = engine_info(context.repo)
    host = info.get("host") or {}
    source = Provenance("smartcamrt report (reads /proc/cpuinfo, smartcamrt info --json)", now, "now")
    rows = [
        ["CPU model", str(cpu["model"])],
        ["ISA flags (of interest)", " ".join(cpu["isa"]) or "none read"],
        ["cores (logical)", str(os.cpu_count())],
        ["architecture", platform.machine()],
        ["OS", host.get("os") or _os_name()],
        ["kernel", host.get("kernel") or platform.release()],
        [
            "GPU",
            ((info.get("gpu") or {}).get("name") or (info.get("gpu") or {}).get("reason") or "not checked"),
        ],
    ]
    section.tables.append(
        Table(f"{KEY}-host", "This host, when the report was made", ["what", "value"], rows, source)
    )
    versions = [
        ["smartcamrt (engine)", fmt(info.get("smartcamrt")) or "engine not found"],
        ["OpenCV (engine)", fmt(info.get("opencv"))],
    ]
    for backend in info.get("backends") or []:
        state = "available" if backend.get("available") else f"unavailable: {backend.get('reason', '')}"
        versions.append([f"runtime {backend.get('name')}", f"{fmt(backend.get('version'))} ({state})"])
    versions.append(["Python", platform.python_version()])
    versions += [[f"{name} (Python)", package_version(name) or "not installed"] for name in PACKAGES]
    section.tables.append(
        Table(f"{KEY}-versions", "Library versions", ["library", "version"], versions, source)
    )
    measured = []
    for kind, results in sorted(context.results.items()):
        if results:
            newest = results[0]
            measured.append([kind, _result_machine(kind, newest.data), str(newest.path)])
    if measured:
        section.tables.append(
            Table(
                f"{KEY}-results",
                "The machine each shown result records",
                ["result", "machine", "file"],
                measured,
                source,
            )
        )
    if not info:
        section.notes.append(
            "The engine (smartcamrt info --json) did not answer: build it for its runtime versions."
        )
    return section


def plan(context: Context, out: Path) -> list[Step]:
    return []  # read live each time
