#!/usr/bin/env bash
# Runs an aarch64 Linux program on this x86-64 machine under Debian's qemu-user-static, emulating a
# Raspberry Pi 4's CPU (-cpu cortex-a72: Armv8.0-A, no LSE atomics, no dot product).
#
# Usage: scripts/deploy/qemu-aarch64.sh PROGRAM [ARGS...]
# Environment:
#   SMARTCAMRT_AARCH64_SYSROOT  the arm64 system (default .deps/sysroot-aarch64-bookworm, made by
#                               scripts/deploy/sysroot.sh): the dynamic loader and the Debian bookworm
#                               libraries (OpenCV, ...) that install.sh apt-installs on a Pi
#   QEMU_AARCH64                the emulator (default qemu-aarch64-static, else qemu-aarch64)
#   QEMU_CPU                    the emulated CPU (default cortex-a72; cortex-a76 for a Pi 5's)
#
# The emulator's -L prefix is a temporary folder whose lib/ and usr/ point into the sysroot, plus a
# /proc/cpuinfo like a Raspberry Pi 4's (Cortex-A72 = implementer 0x41, part 0xd08; one entry per
# host CPU, because /sys/devices/system/cpu still comes from the host). Why: QEMU 7.2 (Debian 12)
# passes the host's x86 /proc/cpuinfo through to the guest, and the cpuinfo library inside ONNX
# Runtime/XNNPACK then crashes while initialising (SIGSEGV at a NULL address, before main). Files that
# are not in the prefix (inputs, output folders) are the host's own. Host LD_LIBRARY_PATH/LD_PRELOAD
# are not passed to the guest. Used by qemu-pi.sh and as the toolchain's CMAKE_CROSSCOMPILING_EMULATOR.
#
# Everything measured this way is emulation: timings are not Raspberry Pi figures.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
(($# >= 1)) || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

sysroot="${SMARTCAMRT_AARCH64_SYSROOT:-$repo/.deps/sysroot-aarch64-bookworm}"
[[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ]] ||
  { echo "qemu-aarch64: no arm64 sysroot at $sysroot (run scripts/deploy/sysroot.sh)" >&2; exit 2; }
qemu="${QEMU_AARCH64:-$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)}"
[[ -n "$qemu" && -x "$qemu" ]] ||
  { echo "qemu-aarch64: qemu-aarch64-static not found (apt-get install qemu-user-static)" >&2; exit 2; }
cpu="${QEMU_CPU:-cortex-a72}"

root="$(mktemp -d "${TMPDIR:-/tmp}/smartcamrt-qemu-root.XXXXXX")"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/proc"
ln -s "$sysroot/lib" "$root/lib"
ln -s "$sysroot/usr" "$root/usr"
case "$cpu" in
  cortex-a76) part=0xd0b variant=0x4 revision=1 model="Raspberry Pi 5 Model B" features="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp" ;;
  *) part=0xd08 variant=0x0 revision=3 model="Raspberry Pi 4 Model B" features="fp asimd evtstrm crc32 cpuid" ;;
esac
cpus="$(nproc --all)"
{
  for ((i = 0; i < cpus; i++)); do
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: %s\n' "$i" "$features"
    printf 'CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: %s\n\n' \
      "$variant" "$part" "$revision"
  done
  printf 'Model\t\t: %s (emulated: qemu-aarch64 -cpu %s)\n' "$model" "$cpu"
} >"$root/proc/cpuinfo"

# Not exec: the temporary folder goes afterwards.
rc=0
env -u LD_LIBRARY_PATH -u LD_PRELOAD "$qemu" -cpu "$cpu" -L "$root" "$@" || rc=$?
exit "$rc"
