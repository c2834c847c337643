"""The CPU an int8 model is validated on, and the preset each target ISA gets, with made-up hosts: a VNNI
Xeon, an AVX2-only EPYC (where u8 x s8 saturates), AVX-512 without VNNI, AVX-VNNI without AVX-512, Arm,
and an x86 whose flags cannot be read."""

from __future__ import annotations

import json
import platform
import re
from pathlib import Path

import pytest

from smartcamrt_tools.errors import ToolError
from smartcamrt_tools.quantization import QUANT_PRESETS, get_preset
from smartcamrt_tools.quantization.isa import (
    CPUINFO_ENV,
    DEFAULT_TARGET_ISA,
    FULL_RANGE_PRESET,
    ISA_FLAGS,
    PORTABLE_PRESET,
    TARGET_ISAS,
    HostCpu,
    check_preset,
    choose_preset,
    parse_cpuinfo,
    read_host_cpu,
    saturates_without_vnni,
)

REPO = Path(__file__).resolve().parents[3]


def cpuinfo(model: str, flags: str, processors: int = 2) -> str:
    block = f"processor\t: {{n}}\nvendor_id\t: x\nmodel name\t: {model}\nflags\t\t: fpu sse2 avx {flags}\n"
    return "\n".join(block.format(n=n) for n in range(processors))


VNNI_XEON = parse_cpuinfo(
    cpuinfo("Intel(R) Xeon(R) Gold 6338", "avx2 fma avx512f avx512bw avx512vl avx512_vnni"), "x86_64"
)
AVX2_EPYC = parse_cpuinfo(cpuinfo("AMD EPYC 7B12 64-Core Processor", "avx2 fma"), "x86_64")
SKYLAKE_SP = parse_cpuinfo(cpuinfo("Intel(R) Xeon(R) Gold 6148", "avx2 fma avx512f avx512bw"), "x86_64")
ALDER_LAKE = parse_cpuinfo(cpuinfo("12th Gen Intel(R) Core(TM) i7-1265U", "avx2 fma avx_vnni"), "x86_64")
PI5 = parse_cpuinfo(
    "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes crc32 atomics asimdrdm asimddp\n"
    "CPU implementer\t: 0x41\n\nRevision\t: d04170\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n",
    "aarch64",
)
UNREADABLE_X86 = HostCpu("unknown", "x86_64", frozenset())
HOSTS = [VNNI_XEON, AVX2_EPYC, SKYLAKE_SP, ALDER_LAKE, PI5, UNREADABLE_X86]


def test_cpuinfo_is_read_per_architecture():
    assert VNNI_XEON.model == "Intel(R) Xeon(R) Gold 6338" and VNNI_XEON.arch == "x86_64"
    assert VNNI_XEON.isa == ["avx2", "avx512_vnni", "avx512bw", "avx512f", "fma"]  # sorted, relevant only
    assert AVX2_EPYC.isa == ["avx2", "fma"] and "sse2" in AVX2_EPYC.flags
    assert (PI5.model, PI5.arch) == ("Raspberry Pi 5 Model B Rev 1.0", "aarch64")
    assert PI5.isa == ["asimd", "asimddp"]
    assert parse_cpuinfo("", "AMD64") == HostCpu("unknown", "x86_64", frozenset())  # Windows' name


def test_the_first_processor_stands_for_all():
    text = cpuinfo("A", "avx2", 1) + "\n" + cpuinfo("B", "avx2 avx512_vnni", 1)
    first = parse_cpuinfo(text, "x86_64")
    assert first.model == "A" and first.isa == ["avx2"]


@pytest.mark.parametrize(
    ("host", "saturates"),
    [(VNNI_XEON, False), (AVX2_EPYC, True), (SKYLAKE_SP, True), (ALDER_LAKE, False), (PI5, False)],
)
def test_which_hosts_saturate_u8s8(host, saturates):
    assert host.saturates_u8s8 is saturates
    assert UNREADABLE_X86.saturates_u8s8  # flags unknown: assume the worst x86


def test_validated_on_record():
    record = AVX2_EPYC.to_manifest()
    assert record == {"cpu": "AMD EPYC 7B12 64-Core Processor", "arch": "x86_64", "isa": ["avx2", "fma"]}
    assert json.loads(json.dumps(record)) == record


def test_this_host_is_read_from_proc_cpuinfo(tmp_path):
    host = read_host_cpu()
    assert host.arch and host.model and host.isa == sorted(set(host.isa) & set(ISA_FLAGS))
    missing = read_host_cpu(tmp_path / "no-cpuinfo")  # not Linux, or a sandbox
    assert missing.flags == frozenset() and missing.isa == [] and missing.arch == host.arch
    fake = tmp_path / "cpuinfo"
    fake.write_text(cpuinfo("AMD EPYC 7B12 64-Core Processor", "avx2 fma"))
    assert read_host_cpu(fake).isa == ["avx2", "fma"]
    if platform.machine() == "x86_64":
        assert host.arch == "x86_64"


def test_an_emulated_cpu_is_described_by_the_file_the_environment_names(tmp_path, monkeypatch):
    """qemu-user shows the host's /proc/cpuinfo; $SMARTCAMRT_CPUINFO describes the emulated CPU."""
    fake = tmp_path / "cpuinfo-haswell"
    fake.write_text(cpuinfo("QEMU Haswell", "avx2 fma"))
    monkeypatch.setenv(CPUINFO_ENV, str(fake))
    assert CPUINFO_ENV == "SMARTCAMRT_CPUINFO"
    assert read_host_cpu().describe().startswith("QEMU Haswell (") and read_host_cpu().saturates_u8s8


def test_isa_flags_are_the_engines():
    """The engine compares validated_on.isa with its host's flags: both must list the same ones."""
    sources = [path for path in (REPO / "engine").rglob("*.cpp") if "kIsaFlags" in path.read_text()]
    assert sources, "no engine source defines kIsaFlags"
    (listing,) = re.findall(r"kIsaFlags\[\]\s*=\s*\{([^}]*)\}", sources[0].read_text())
    assert sorted(re.findall(r'"([^"]+)"', listing)) == sorted(ISA_FLAGS)


# Which preset each (host, target) gets when the user names none; None: refused.
EXPECTED = {
    "portable": dict.fromkeys(HOSTS, PORTABLE_PRESET),
    "avx2": dict.fromkeys(HOSTS, PORTABLE_PRESET),
    "host": {
        VNNI_XEON: FULL_RANGE_PRESET,
        AVX2_EPYC: PORTABLE_PRESET,
        SKYLAKE_SP: PORTABLE_PRESET,
        ALDER_LAKE: FULL_RANGE_PRESET,
        PI5: FULL_RANGE_PRESET,
        UNREADABLE_X86: PORTABLE_PRESET,
    },
    "vnni": {
        VNNI_XEON: FULL_RANGE_PRESET,
        AVX2_EPYC: None,
        SKYLAKE_SP: None,
        ALDER_LAKE: FULL_RANGE_PRESET,
        PI5: FULL_RANGE_PRESET,
        UNREADABLE_X86: None,
    },
}


@pytest.mark.parametrize("target", list(TARGET_ISAS))
@pytest.mark.parametrize("host", HOSTS, ids=lambda host: host.model)
def test_preset_for_each_host_and_target(host, target):
    expected = EXPECTED[target][host]
    if expected is None:
        with pytest.raises(ToolError, match=f"cannot be validated on this CPU, {re.escape(host.model)}"):
            choose_preset(host, target)
        return
    choice = choose_preset(host, target)
    assert (choice.preset, choice.target_isa) == (expected, target)
    assert choice.reason.startswith(f"target {target}: ") and "\n" not in choice.reason
    # What is chosen never saturates where the model is meant to run or where it is validated.
    config = get_preset(choice.preset)
    if target in ("portable", "avx2") or host.saturates_u8s8:
        assert not saturates_without_vnni(config)


def test_the_default_target_is_exact_on_the_cpu_that_exports():
    """The default export is validated on what its own CPU computes, whichever CPU that is."""
    assert DEFAULT_TARGET_ISA == "host"
    for host in HOSTS:
        choice = choose_preset(host)
        assert choice.target_isa == "host"
        assert not (host.saturates_u8s8 and saturates_without_vnni(get_preset(choice.preset)))


def test_which_configs_saturate_without_vnni():
    assert {name for name, config in QUANT_PRESETS.items() if saturates_without_vnni(config)} == {"qdq-u8s8"}


@pytest.mark.parametrize("target", ["portable", "avx2"])
def test_a_named_saturating_preset_is_refused_for_targets_without_vnni(target):
    with pytest.raises(ToolError) as info:
        check_preset("qdq-u8s8", get_preset("qdq-u8s8"), VNNI_XEON, target)
    message = str(info.value)
    assert f"not for --target-isa {target}" in message and PORTABLE_PRESET in message and "\n" not in message


def test_a_named_saturating_preset_is_refused_on_a_host_that_would_saturate_it():
    for target in ("host", "vnni"):
        with pytest.raises(ToolError, match="AMD EPYC 7B12 .* without VNNI its u8 x s8 sums saturate"):
            check_preset("qdq-u8s8", get_preset("qdq-u8s8"), AVX2_EPYC, target)
    assert check_preset("qdq-u8s8", get_preset("qdq-u8s8"), VNNI_XEON, "host").preset == "qdq-u8s8"


@pytest.mark.parametrize("name", ["qdq-u8u8", "qdq-s8s8", "qdq-u8s8-reduce-range"])
@pytest.mark.parametrize("host", HOSTS, ids=lambda host: host.model)
def test_presets_that_do_not_saturate_go_anywhere(name, host):
    for target in TARGET_ISAS:
        assert check_preset(name, get_preset(name), host, target).preset == name


def test_unknown_target_is_refused_by_name():
    with pytest.raises(ToolError, match="unknown --target-isa 'avx9'; known: host, portable, vnni, avx2"):
        choose_preset(VNNI_XEON, "avx9")
