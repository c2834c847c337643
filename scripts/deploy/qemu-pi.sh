#!/usr/bin/env bash
# Runs the bundle's bin/smartcamrt (aarch64) on this x86-64 machine under Debian's qemu-user-static,
# emulating a Raspberry Pi 4's CPU (-cpu cortex-a72: Armv8.0-A, no LSE atomics, no dot product).
#
# Usage: scripts/deploy/qemu-pi.sh BUNDLE [--] SMARTCAMRT-ARGS...
#   BUNDLE: the .tar.gz (unpacked into a temporary folder, removed afterwards) or an unpacked bundle folder.
# Environment:
#   SMARTCAMRT_AARCH64_SYSROOT  the arm64 system (default .deps/sysroot-aarch64-bookworm, made by
#                               scripts/deploy/sysroot.sh): the dynamic loader and the Debian bookworm
#                               libraries (OpenCV, ...) that install.sh apt-installs on a Pi
#   QEMU_AARCH64                the emulator (default qemu-aarch64-static, else qemu-aarch64)
#   QEMU_CPU                    the emulated CPU (default cortex-a72)
#   QEMU_PI_KEEP=1              keep the temporary folder (printed)
#
# The emulator's -L prefix is a temporary folder whose lib/ and usr/ point into the sysroot, plus a
# /proc/cpuinfo like a Raspberry Pi 4's (Cortex-A72 = implementer 0x41, part 0xd08; one entry per
# host CPU, because /sys/devices/system/cpu still comes from the host). Why: QEMU 7.2 (Debian 12)
# passes the host's x86 /proc/cpuinfo through to the guest, and the cpuinfo library inside ONNX
# Runtime/XNNPACK then crashes while initialising (SIGSEGV at a NULL address, before main). Files that
# are not in the prefix (the source video, the output folder) are the host's own.
#
# Everything measured this way is emulation: timings are not Raspberry Pi figures.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
(($# >= 1)) || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
bundle="$1"
shift
[[ "${1:-}" == -- ]] && shift

sysroot="${SMARTCAMRT_AARCH64_SYSROOT:-$repo/.deps/sysroot-aarch64-bookworm}"
[[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ]] ||
  { echo "qemu-pi: no arm64 sysroot at $sysroot (run scripts/deploy/sysroot.sh)" >&2; exit 2; }
qemu="${QEMU_AARCH64:-$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)}"
[[ -n "$qemu" && -x "$qemu" ]] ||
  { echo "qemu-pi: qemu-aarch64-static not found (apt-get install qemu-user-static)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/smartcamrt-qemu-pi.XXXXXX")"
if [[ "${QEMU_PI_KEEP:-0}" == 1 ]]; then
  echo "qemu-pi: keeping $work" >&2
else
  trap 'rm -rf "$work"' EXIT
fi

if [[ -d "$bundle" ]]; then
  bundle_dir="$(cd "$bundle" && pwd)"
else
  [[ -f "$bundle" ]] || { echo "qemu-pi: no bundle at '$bundle'" >&2; exit 2; }
  mkdir -p "$work/bundle"
  tar -xzf "$bundle" -C "$work/bundle"
  bundle_dir="$(find "$work/bundle" -mindepth 1 -maxdepth 1 -type d | head -1)"
fi
[[ -x "$bundle_dir/bin/smartcamrt" ]] || { echo "qemu-pi: $bundle_dir has no bin/smartcamrt" >&2; exit 2; }

# The emulator's view of the system.
root="$work/root"
mkdir -p "$root/proc"
ln -s "$sysroot/lib" "$root/lib"
ln -s "$sysroot/usr" "$root/usr"
cpus="$(nproc --all)"
{
  for ((i = 0; i < cpus; i++)); do
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n' "$i"
    printf 'CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n'
  done
  printf 'Hardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B (emulated: qemu-aarch64 -cpu %s)\n' \
    "${QEMU_CPU:-cortex-a72}"
} >"$root/proc/cpuinfo"

# The guest must not see the host's loader settings. Not exec: the temporary folder goes afterwards.
rc=0
env -u LD_LIBRARY_PATH -u LD_PRELOAD \
  "$qemu" -cpu "${QEMU_CPU:-cortex-a72}" -L "$root" "$bundle_dir/bin/smartcamrt" "$@" || rc=$?
exit "$rc"
