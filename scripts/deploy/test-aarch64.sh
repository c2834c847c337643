#!/usr/bin/env bash
# Cross-builds the C++ unit tests for aarch64 (in build-aarch64/, beside the bundle's build) and runs
# them under qemu-aarch64 -cpu cortex-a72 (scripts/deploy/qemu-aarch64.sh), as one process.
#
# Usage: scripts/deploy/test-aarch64.sh [--no-build] [GTEST-ARGS...]     e.g. --gtest_filter='Nms*:Letterbox*'
# Needs what scripts/deploy/pi.sh needs (scripts/deploy/install-cross-deps.sh). The build runs under
# `flock /tmp/smartcamrt-heavy.lock`, and so does the emulated run (it is CPU-heavy: minutes).
#
# Tests that start the `smartcamrt` command as a child process cannot pass here unless the host runs
# aarch64 programs directly (binfmt_misc with qemu-user-static registered): without it the child is an
# "Exec format error". The e2e suite (real model, assets) is not built.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
build=1
if [[ "${1:-}" == --no-build ]]; then build=0; shift; fi
heavy=(flock /tmp/smartcamrt-heavy.lock)

if ((build)); then
  sysroot="$(bash scripts/deploy/sysroot.sh | tail -1)"
  [[ -f build-aarch64/CMakeCache.txt ]] || {
    echo "test-aarch64: configure build-aarch64 first (scripts/deploy/pi.sh --out DIR)" >&2
    exit 2
  }
  "${heavy[@]}" cmake -S . -B build-aarch64 -DSMARTCAMRT_AARCH64_SYSROOT="$sysroot" -DSMARTCAMRT_BUILD_TESTS=ON >/dev/null
  "${heavy[@]}" cmake --build build-aarch64 -j "$(nproc)" --target smartcamrt_tests
fi
tests="$repo/build-aarch64/engine/tests/smartcamrt_tests"
[[ -x "$tests" ]] || { echo "test-aarch64: $tests not built" >&2; exit 2; }
export SMARTCAMRT_HOME="${SMARTCAMRT_HOME:-$(mktemp -d)}"
cd "$(dirname "$tests")"
"${heavy[@]}" bash "$repo/scripts/deploy/qemu-aarch64.sh" "$tests" "$@"
