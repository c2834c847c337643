"""What the Raspberry Pi bundle tests share: where the bundle is, its unpacked copy, the ELF facts.

The bundle is made by ``smartcamrt deploy pi --out build-aarch64/dist`` (scripts/deploy/pi.sh; a
cross-build: minutes).
Tests look for it in ``$SMARTCAMRT_PI_BUNDLE``, then ``build-aarch64/dist/``; where there is none they
skip and say how to make it. The emulated runs also need qemu-user-static and the arm64 sysroot
(``scripts/deploy/sysroot.sh``).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEPLOY_SCRIPTS = REPO / "scripts" / "deploy"
SYSROOT = Path(os.environ.get("SMARTCAMRT_AARCH64_SYSROOT", REPO / ".deps" / "sysroot-aarch64-bookworm"))
MAKE_BUNDLE = "smartcamrt deploy pi --out build-aarch64/dist"

# Libraries every Raspberry Pi OS (and Debian) install has: glibc (libc6) and GCC's runtime
# (libstdc++6, libgcc-s1), which apt itself depends on.
BASE_SYSTEM_LIBS = {
    "ld-linux-aarch64.so.1",
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libstdc++.so.6",
    "libgcc_s.so.1",
}
EM_AARCH64 = 183


def find_bundle() -> Path | None:
    explicit = os.environ.get("SMARTCAMRT_PI_BUNDLE")
    if explicit:
        return Path(explicit)
    found = sorted((REPO / "build-aarch64" / "dist").glob("smartcamrt-*-linux-aarch64.tar.gz"))
    return found[-1] if found else None


@pytest.fixture(scope="session")
def bundle_tarball() -> Path:
    path = find_bundle()
    if path is None or not path.is_file():
        pytest.skip(f"no Raspberry Pi bundle (make it with `{MAKE_BUNDLE}` or set SMARTCAMRT_PI_BUNDLE)")
    return path


@pytest.fixture(scope="session")
def bundle(bundle_tarball: Path, tmp_path_factory) -> Path:
    """The bundle unpacked once per session; returns its top folder."""
    dest = tmp_path_factory.mktemp("pi-bundle")
    with tarfile.open(bundle_tarball) as tar:
        tar.extractall(dest, filter="tar")
    tops = [p for p in dest.iterdir() if p.is_dir()]
    assert len(tops) == 1, f"the tarball must hold one top folder, has {tops}"
    return tops[0]


@dataclass
class Elf:
    path: Path
    machine: int
    kind: str  # "exec", "dyn"
    needed: list[str] = field(default_factory=list)
    runpath: str | None = None
    rpath: str | None = None
    soname: str | None = None
    glibc_needs: list[str] = field(default_factory=list)


def is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def read_elf(path: Path) -> Elf:
    """ELF header fields in Python; the dynamic section and version needs through readelf."""
    with path.open("rb") as f:
        header = f.read(20)
    assert header[4] == 2, f"{path}: not a 64-bit ELF"
    e_type, e_machine = struct.unpack_from("<HH", header, 16)
    elf = Elf(path, e_machine, {2: "exec", 3: "dyn"}.get(e_type, str(e_type)))
    readelf = shutil.which("aarch64-linux-gnu-readelf") or shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf (binutils) is not installed")
    dynamic = subprocess.run([readelf, "-d", "-W", str(path)], capture_output=True, text=True).stdout
    for line in dynamic.splitlines():
        value = line[line.find("[") + 1 : line.rfind("]")] if "[" in line else None
        if "(NEEDED)" in line:
            elf.needed.append(value)
        elif "(RUNPATH)" in line:
            elf.runpath = value
        elif "(RPATH)" in line:
            elf.rpath = value
        elif "(SONAME)" in line:
            elf.soname = value
    versions = subprocess.run([readelf, "-V", "-W", str(path)], capture_output=True, text=True).stdout
    needs = versions[versions.find("Version needs section") :] if "Version needs section" in versions else ""
    elf.glibc_needs = sorted(
        {tok.removeprefix("GLIBC_") for tok in needs.split() if tok.startswith("GLIBC_")},
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )
    return elf


@pytest.fixture(scope="session")
def elves(bundle: Path) -> list[Elf]:
    found = [read_elf(p) for p in sorted(bundle.rglob("*")) if is_elf(p)]
    assert found, f"no ELF files in {bundle}"
    return found


def qemu_binary() -> str | None:
    return shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")


@pytest.fixture(scope="session")
def emulation_ready(bundle_tarball: Path) -> Path:
    """Skips (saying why) unless qemu-user and the arm64 sysroot are there; returns the tarball."""
    if qemu_binary() is None:
        pytest.skip("qemu-aarch64-static not found (apt-get install qemu-user-static)")
    if not (SYSROOT / "lib" / "ld-linux-aarch64.so.1").exists():
        pytest.skip(f"no arm64 sysroot at {SYSROOT} (run scripts/deploy/sysroot.sh)")
    return bundle_tarball
