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
# The emulation itself (sysroot as -L prefix, a Pi 4 /proc/cpuinfo, and why) is scripts/deploy/qemu-aarch64.sh;
# QEMU_CPU=cortex-a76 emulates a Pi 5's CPU instead.
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

exec_rc=0
bash "$repo/scripts/deploy/qemu-aarch64.sh" "$bundle_dir/bin/smartcamrt" "$@" || exec_rc=$?
exit "$exec_rc"
