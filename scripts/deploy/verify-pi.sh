#!/usr/bin/env bash
# Runs the Raspberry Pi bundle's engine on SOURCE under emulation and leaves the run folder in OUT:
# the bundle is unpacked into a temporary folder and its bin/smartcamrt run executes under
# qemu-aarch64-static -cpu cortex-a72 (scripts/deploy/qemu-pi.sh: the arm64 sysroot as the Pi's system
# libraries, a Raspberry Pi 4 /proc/cpuinfo).
#
# Usage: scripts/deploy/verify-pi.sh BUNDLE SOURCE OUT [-- extra `smartcamrt run` options]
#   BUNDLE  smartcamrt-<version>-linux-aarch64.tar.gz (or an unpacked bundle folder)
#   SOURCE  video file, image, or image folder (host paths are seen as they are)
#   OUT     the run folder to write (replaced if it exists)
#   Without --model among the extra options, the bundle's models/yolov5n-640.onnx is used.
#   Example: scripts/deploy/verify-pi.sh dist/smartcamrt-0.1.0-linux-aarch64.tar.gz \
#              "$SMARTCAMRT_ASSETS/video/vtest.avi" /tmp/pi-run -- --frames 10 --no-save
#
# Besides the engine's run folder, OUT/emulation.json records how it ran (qemu version, CPU model,
# wall time). Latency figures from such a run are emulation, not Raspberry Pi measurements.
# Exit status: the engine's.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
if (($# < 3)); then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
bundle="$(realpath "$1")" source="$2" out="$(realpath -m "$3")"
shift 3
[[ "${1:-}" == -- ]] && shift
extra=("$@")
[[ -e "$bundle" ]] || { echo "verify-pi: no bundle at $1" >&2; exit 2; }
[[ "$source" =~ ^[a-z]+:// || -e "$source" ]] || { echo "verify-pi: no source at $source" >&2; exit 2; }
[[ "$source" =~ ^[a-z]+:// ]] || source="$(realpath "$source")"

work="$(mktemp -d "${TMPDIR:-/tmp}/smartcamrt-verify-pi.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if [[ -d "$bundle" ]]; then
  bundle_dir="$bundle"
else
  tar -xzf "$bundle" -C "$work"
  bundle_dir="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)"
fi

has_model=0
for a in "${extra[@]}"; do [[ "$a" == --model || "$a" == --model=* ]] && has_model=1; done
args=(run --source "$source" --out "$out")
((has_model)) || args+=(--model "$bundle_dir/models/yolov5n-640.onnx")
args+=("${extra[@]}")

rm -rf "$out"
mkdir -p "$(dirname "$out")"
qemu="${QEMU_AARCH64:-$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)}"
echo "verify-pi: $(basename "$bundle") -> qemu-aarch64 -cpu ${QEMU_CPU:-cortex-a72}: smartcamrt ${args[*]}" >&2
start=$(date +%s.%N)
rc=0
QEMU_AARCH64="$qemu" bash "$repo/scripts/deploy/qemu-pi.sh" "$bundle_dir" -- "${args[@]}" || rc=$?
end=$(date +%s.%N)
wall="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')"
if [[ -d "$out" ]]; then
  python3 - "$out/emulation.json" <<EOF
import json, sys
json.dump({
    "emulated": True,
    "note": "run under user-mode emulation on an x86-64 host: timings are emulation, not Raspberry Pi figures",
    "bundle": "$(basename "$bundle")",
    "emulator": "$("$qemu" --version | head -1)",
    "cpu": "${QEMU_CPU:-cortex-a72}",
    "cpuinfo": "synthesised Raspberry Pi 4 (Cortex-A72) /proc/cpuinfo, one entry per host CPU ($(nproc --all))",
    "host_cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)",
    "command": "smartcamrt ${args[*]}",
    "wall_s": $wall,
    "exit_code": $rc,
}, open(sys.argv[1], "w"), indent=2)
EOF
fi
echo "verify-pi: exit $rc after ${wall}s wall (emulated); run folder $out" >&2
exit "$rc"
