#!/usr/bin/env bash
# Benchmark (issue 3): every runtime x precision on the same inputs, in one sitting.
# Exports yolov5n at 640 in every CPU format into the model cache (once; each export runs its parity
# gate), then `smartcamrt-tools bench-runtimes` over them plus the third-party TFLite exports from
# the assets (no manifest: marked as such). Writes runtimes.{md,csv,json} and prints the table.
# Environment: THREADS (default: all cores), FRAMES (pipeline frames, default 100), RUNS (default 100),
# ROUNDS (interleaved passes over every model, median taken; default 3), COOLDOWN (idle seconds before
# each timed command, default 0; for machines with thermal or quota limits). Runs on the development VM
# sometimes land in a slow spell from the host (docs/benchmarks.md); rounds are the defence.
# FORMATS (default: every CPU row of the export table except executorch-portable, ~2 s per frame), OUT.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../setup.sh"
source "$here/../env.sh"
threads="${THREADS:-$(nproc)}"
out="${OUT:-$repo/runs/bench-runtimes-$(date +%Y%m%d-%H%M%S)}"
read -r -a formats <<<"${FORMATS:-onnx onnx-int8 tflite tflite-fp16 executorch openvino openvino-fp16}"
models=()
for format in "${formats[@]}"; do
  models+=("$(ensure_model 640 "$format")")
done
for third_party in yolov5n-fp16.tflite yolov5n-int8.tflite; do
  [[ -f "$SMARTCAMRT_ASSETS/models/$third_party" ]] && models+=("$SMARTCAMRT_ASSETS/models/$third_party")
done
smartcamrt-tools bench-runtimes "${models[@]}" --out "$out" --threads "$threads" \
  --frames "${FRAMES:-100}" --runs "${RUNS:-100}" --rounds "${ROUNDS:-3}" --cooldown "${COOLDOWN:-0}" >/dev/null
cat "$out/runtimes.md"
echo "[bench] $out" >&2
