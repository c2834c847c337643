#!/usr/bin/env bash
# What the onnx-int8 presets detect on x86 without VNNI (docs/quantization.md, "Target ISA").
# Builds yolov5n at IMGSZ in every int8 preset on this machine, scores each preset's detections against
# fp32's on the first IMAGES coco128 images here, then again under `qemu-x86_64 -cpu $QEMU_CPU`: ONNX
# Runtime picks its int8 kernels from CPUID, so the emulated run computes what such a CPU computes
# (Haswell: AVX2 + FMA, no AVX-512, no VNNI; qemu 7.2's TCG emulates AVX2 but no AVX-512). The emulated
# run reuses this machine's fp32 outputs as the reference (fp32 only rounds differently between ISAs, and
# emulating it is the slow part) and also scores each preset against this machine's run of the same
# preset: 1.000 there means the emulated CPU finds exactly what this one finds. Last, the worst-case
# convolution tests of tools/tests/quantization/test_saturation.py run on the emulated CPU too.
# Needs the venv (scripts/setup.sh) and qemu-user (Debian: apt-get install -y qemu-user).
# Environment: IMGSZ (default 320), IMAGES (default 16), QEMU_CPU (default Haswell), PRESETS (default
# "qdq-u8s8 qdq-u8u8 qdq-u8s8-reduce-range"; add qdq-s8s8 for ~80 s per image more: ORT runs its
# convolutions in float, which TCG emulates slowly), OUT (default runs/int8-isa-<date>). About 1 min
# native + ~4 s per preset and image emulated on a 2-core VM.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../env.sh"
python="$repo/.venv/bin/python"
[[ -x "$python" ]] || { echo "no $python: run scripts/setup.sh first" >&2; exit 2; }
command -v qemu-x86_64 >/dev/null || { echo "qemu-x86_64 not found: apt-get install -y qemu-user" >&2; exit 2; }
imgsz="${IMGSZ:-320}"
images="${IMAGES:-16}"
cpu="${QEMU_CPU:-Haswell}"
out="${OUT:-$repo/runs/int8-isa-$(date +%Y%m%d-%H%M%S)}"
read -r -a presets <<<"${PRESETS:-qdq-u8s8 qdq-u8u8 qdq-u8s8-reduce-range}"
check=(-m smartcamrt_tools.quantization.isa_check)

"$python" "${check[@]}" build --out "$out" --imgsz "$imgsz" --presets "${presets[@]}"
"$python" "${check[@]}" score --models "$out" --label native --images "$images" --imgsz "$imgsz" \
  --presets "${presets[@]}" --save-raw
# qemu warns once per CPUID feature its TCG lacks (pcid, x2apic, ...): none of them matters here.
qemu-x86_64 -cpu "$cpu" "$python" "${check[@]}" score --models "$out" --label "${cpu,,}" \
  --images "$images" --imgsz "$imgsz" --presets "${presets[@]}" --baseline "$out/raw-native.npz" \
  2> >(grep -v "TCG doesn't support requested feature" >&2)
# The tests that hold isa.py's saturation rule against ONNX Runtime itself, on the emulated CPU: qemu-user
# shows the host's /proc/cpuinfo, so $SMARTCAMRT_CPUINFO describes the emulated one (from its CPUID).
qemu-x86_64 -cpu "$cpu" "$python" "${check[@]}" cpuinfo --model "qemu $cpu (emulated)" \
  >"$out/cpuinfo-${cpu,,}" 2> >(grep -v "TCG doesn't support requested feature" >&2)
SMARTCAMRT_CPUINFO="$out/cpuinfo-${cpu,,}" qemu-x86_64 -cpu "$cpu" "$python" -m pytest -q -p no:cacheprovider \
  "$repo/tools/tests/quantization/test_saturation.py" -k "any_cpu or full_range" \
  2> >(grep -v "TCG doesn't support requested feature" >&2)
echo "[int8-isa] $out (score-native.json, score-${cpu,,}.json, cpuinfo-${cpu,,})" >&2
