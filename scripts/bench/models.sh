#!/usr/bin/env bash
# Benchmark (issue 10, item 6): yolov5n at 640 and 320, the SST-2 BiLSTM and MiniLM (fp32, int8), per
# runtime, through the C++ engine (scripts/bench/models.py says what is measured and how).
# Exports the yolov5n rows into the model cache first if they are missing (once; each export runs its
# parity gate). The text models come from `smartcamrt train-text` (docs/text-models.md): rows whose
# artifact is missing are left out and named. Run it under the shared lock:
#   flock /tmp/smartcamrt-heavy.lock scripts/bench/models.sh [models.py options, e.g. --rounds 2]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../env.sh"
for spec in "640 onnx" "640 tflite" "640 executorch" "320 onnx" "320 tflite" "320 executorch"; do
  # shellcheck disable=SC2086
  ensure_model $spec >/dev/null
done
exec "$repo/.venv/bin/python" "$here/models.py" "$@"
