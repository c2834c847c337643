"""Host description for summary.json."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import psutil

from .. import __version__


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Hardware", "Model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def host_info() -> dict[str, object]:
    return {"cpu_model": cpu_model(), "cores": os.cpu_count(), "os": os_name(), "kernel": platform.release()}


def software_versions() -> dict[str, str]:
    return {
        "smartcamrt": __version__,
        "python": platform.python_version(),
        "onnxruntime": ort.__version__,
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "psutil": psutil.__version__,
    }
