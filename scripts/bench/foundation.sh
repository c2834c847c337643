#!/usr/bin/env bash
# Benchmark (issue 2): raw ONNX Runtime session latency (`smartcamrt bench`), the C++ engine end to end
# and the Python reference loop, yolov5n 640, same thread count, side by side in one sitting.
#   - bench, then the real-time runs on vtest.avi (C++, Python), then bench again (drift check),
#   - then as-fast-as-possible runs (capacity) for C++ and Python.
# Writes report.md / report.json in the output folder and prints the report.
# Environment: THREADS (default: all cores), FRAMES (default: the whole video), OUT.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../setup.sh"
source "$here/../env.sh"
threads="${THREADS:-$(nproc)}"
frames=()
[[ -n "${FRAMES:-}" ]] && frames=(--frames "$FRAMES")
out="${OUT:-$repo/runs/bench-foundation-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
model="$(ensure_model 640)"
video="$SMARTCAMRT_ASSETS/video/vtest.avi"

echo "[bench] raw session latency (before)" >&2
smartcamrt bench --model "$model" --threads "$threads" --warmup 20 --runs 300 --json "$out/bench-before.json" >&2
echo "[bench] C++ engine, real-time" >&2
smartcamrt run --model "$model" --source "$video" --realtime --threads "$threads" --no-save --quiet \
  "${frames[@]}" --out "$out/cpp-realtime" >&2
echo "[bench] Python reference loop, real-time" >&2
smartcamrt-tools ref-run --model "$model" --source "$video" --realtime --threads "$threads" --no-annotate \
  "${frames[@]}" --out "$out/python-realtime" >/dev/null
echo "[bench] raw session latency (after)" >&2
smartcamrt bench --model "$model" --threads "$threads" --warmup 20 --runs 300 --json "$out/bench-after.json" >&2
echo "[bench] capacity: C++ and Python as fast as possible" >&2
smartcamrt run --model "$model" --source "$video" --threads "$threads" --no-save --quiet "${frames[@]}" \
  --out "$out/cpp-fast" >&2
smartcamrt-tools ref-run --model "$model" --source "$video" --threads "$threads" --no-annotate "${frames[@]}" \
  --out "$out/python-fast" >/dev/null

"$repo/.venv/bin/python" "$here/foundation_report.py" "$out"
