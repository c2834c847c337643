"""The CPU an int8 model is validated on, and the quantization preset that is exact on its target ISA.

Why: ONNX Runtime's u8 x s8 kernels on x86 without VNNI (AVX2; AVX-512 before Cascade Lake) multiply
with ``vpmaddubsw``, which adds two u8 x s8 products into a *saturating* int16: 255 x (127 + 127) = 64770
does not fit 32767. With VNNI (``avx512_vnni``, or the VEX ``avx_vnni``) the products go straight into
int32, and Arm's kernels do not saturate either. So one u8s8 model detects well on one CPU and badly on
another. Measured (yolov5n at 320, mAP50 against fp32 on the first 16 coco128 images, ORT 1.30;
docs/quantization.md): ``qdq-u8s8`` 0.941 on a VNNI Xeon, 0.720 on qemu's emulated Haswell (AVX2, no
VNNI) -- the 0.72 seen on an AVX2-only EPYC. ``qdq-u8u8`` (the same integers, weights stored + 128 as
uint8, run on ORT's u8 x u8 kernels that widen before multiplying) gives 0.941 on both, with detections
identical to the VNNI run's; it is 1.8x slower than u8s8 on the VNNI Xeon, though. ORT's documented
remedy, 7-bit weights (``reduce_range``), is exact everywhere too but loses 0.04-0.08 mAP50.

Hence ``--target-isa host`` (the default): the fastest preset that computes on the exporting CPU what it
was validated to compute there (u8s8 with VNNI or on Arm, u8u8 on x86 without VNNI), and the manifest's
``validated_on`` says which CPU that was, so the engine can warn elsewhere; ``portable`` (u8u8) for
models that must be right on any CPU. Everything here is pure except :func:`read_host_cpu`, so the rules
are tested with made-up flag sets (tests/quantization/test_isa.py) and against ONNX Runtime itself on a
worst-case convolution (test_saturation.py).
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from .config import QuantConfig
from .presets import get_preset

# The /proc/cpuinfo flags that change what int8 (and bf16) kernels compute or which ones run, spelled as
# the kernel spells them. The C++ engine reads the same list (engine/src/core/host.cpp) and compares a
# manifest's ``validated_on.isa`` with its host's; keep the two in step.
ISA_FLAGS = (
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "amx_int8",
    "asimd",
    "asimddp",
    "i8mm",
)
VNNI_FLAGS = ("avx512_vnni", "avx_vnni")  # either encoding gives ORT a non-saturating u8 x s8 kernel
X86_ARCHES = ("x86_64", "i386", "i686")
CPUINFO_ENV = "SMARTCAMRT_CPUINFO"  # read instead of /proc/cpuinfo (emulators; see read_host_cpu)
_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}

# --target-isa: which CPUs the exported model is meant to run on.
TARGET_ISAS = {
    "host": "the CPU that exports it (the fastest preset that is exact there)",
    "portable": "any CPU: x86 with or without VNNI, Arm (u8 x u8 kernels)",
    "vnni": "x86 with AVX-512 VNNI or AVX-VNNI, and Arm (u8 x s8); wrong on x86 without VNNI",
    "avx2": "x86 without VNNI: AVX2, AVX-512 before Cascade Lake (u8 x u8 kernels)",
}
DEFAULT_TARGET_ISA = "host"
FULL_RANGE_PRESET = "qdq-u8s8"  # fastest with VNNI and on Arm; saturates on x86 without VNNI
PORTABLE_PRESET = "qdq-u8u8"  # the same integers as qdq-u8s8, computed the same on every CPU


@dataclass(frozen=True)
class HostCpu:
    model: str  # /proc/cpuinfo "model name" (x86) or "Model"/"Hardware" (Arm boards)
    arch: str  # x86_64, aarch64, ...
    flags: frozenset[str]  # every flag the kernel lists

    @property
    def is_x86(self) -> bool:
        return self.arch in X86_ARCHES

    @property
    def has_vnni(self) -> bool:
        return any(flag in self.flags for flag in VNNI_FLAGS)

    @property
    def saturates_u8s8(self) -> bool:
        """ORT's u8 x s8 kernels add products in saturating int16 here (x86 without VNNI)."""
        return self.is_x86 and not self.has_vnni

    @property
    def isa(self) -> list[str]:
        return sorted(flag for flag in ISA_FLAGS if flag in self.flags)

    def describe(self) -> str:
        return f"{self.model} ({self.arch}: {' '.join(self.isa) or 'no listed int8 extensions'})"

    def to_manifest(self) -> dict:
        """The manifest's ``validated_on`` record."""
        return {"cpu": self.model, "arch": self.arch, "isa": self.isa}


def normalise_arch(machine: str) -> str:
    return _ARCH_ALIASES.get(machine.lower(), machine.lower()) or "unknown"


def parse_cpuinfo(text: str, arch: str) -> HostCpu:
    """The first processor's model and flags from /proc/cpuinfo text (x86 ``flags``, Arm ``Features``)."""
    model, flags = "", frozenset[str]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key in ("Model", "Hardware") and not model:  # Arm boards: no "model name" on many kernels
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = frozenset(value.split())
    return HostCpu(model or "unknown", normalise_arch(arch), flags)


def read_host_cpu(cpuinfo: Path | None = None) -> HostCpu:
    """This machine's CPU; without a readable cpuinfo (not Linux, sandboxes) the flags are unknown (empty).

    ``$SMARTCAMRT_CPUINFO`` names a file to read instead of /proc/cpuinfo: under an emulator such as
    qemu-user, /proc/cpuinfo is the host's while CPUID (which ONNX Runtime reads) is the emulated CPU's.
    """
    arch = platform.machine()
    path = cpuinfo or Path(os.environ.get(CPUINFO_ENV) or "/proc/cpuinfo")
    try:
        return parse_cpuinfo(path.read_text(errors="replace"), arch)
    except OSError:
        return HostCpu(platform.processor() or "unknown", normalise_arch(arch), frozenset())


@dataclass(frozen=True)
class PresetChoice:
    preset: str
    target_isa: str
    reason: str  # one sentence, for the console and the manifest


def saturates_without_vnni(config: QuantConfig) -> bool:
    """Whether x86 without VNNI computes this config differently: u8 activations x full-range s8 weights
    (the artifact itself is checked by :func:`~.saturation.saturating_nodes`)."""
    full_range_s8 = config.weight_type == "int8" and not (config.reduce_range or config.weights_as_uint8)
    return config.activation_type == "uint8" and full_range_s8


def check_target(target_isa: str) -> str:
    target = target_isa.lower()
    if target not in TARGET_ISAS:
        raise ToolError(f"unknown --target-isa '{target_isa}'; known: {', '.join(TARGET_ISAS)}")
    return target


def choose_preset(host: HostCpu, target_isa: str = DEFAULT_TARGET_ISA) -> PresetChoice:
    """The preset for ``target_isa`` when the user names none; refuses a target this host cannot validate."""
    target = check_target(target_isa)
    if target in ("portable", "avx2") or (target == "host" and host.saturates_u8s8):
        preset = PORTABLE_PRESET
        why = {
            "portable": "it must run on any CPU, x86 without VNNI included",
            "avx2": "it must run on x86 without VNNI",
            "host": "this x86 CPU has no VNNI",
        }[target]
        reason = (
            f"target {target}: {why}, where u8 x s8 sums saturate in int16; uint8 weights (zero point "
            "128, the int8 grid shifted) run on ONNX Runtime's u8 x u8 kernels, exact on every CPU"
        )
    else:
        preset = FULL_RANGE_PRESET
        where = "x86 with VNNI" if target == "vnni" else f"this {host.arch} CPU"
        reason = (
            f"target {target}: u8 x s8 accumulates in int32 on {where}, the fastest int8 kernels; "
            "it would saturate on x86 without VNNI"
        )
    return check_preset(preset, get_preset(preset), host, target, reason)


def check_preset(
    name: str, config: QuantConfig, host: HostCpu, target_isa: str, reason: str | None = None
) -> PresetChoice:
    """A preset checked against the target and against the host that validates it.

    Refused when the target includes x86 without VNNI and the config saturates there, or when this host
    saturates it: the export's agreement gate would then judge numbers the target never computes.
    """
    target = check_target(target_isa)
    if not saturates_without_vnni(config):
        return PresetChoice(name, target, reason or f"{name} named: the same on x86 with or without VNNI")
    if target in ("portable", "avx2"):
        raise ToolError(
            f"--quant-preset {name} saturates on x86 without VNNI (u8 x full-range s8), so it is not for "
            f"--target-isa {target}; use {PORTABLE_PRESET}, or --target-isa vnni"
        )
    if host.saturates_u8s8:
        raise ToolError(
            f"{name} (target {target}) cannot be validated on this CPU, {host.describe()}: without VNNI "
            f"its u8 x s8 sums saturate; export it on a VNNI CPU, or use --target-isa portable"
        )
    return PresetChoice(name, target, reason or f"{name} named for target {target}: exact on this host")
