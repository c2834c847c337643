#!/usr/bin/env bash
# The main job: real-time YOLOv5n detection on the bundled vtest.avi through the C++ engine.
# Installs what is missing, exports the model once, runs, prints the summary and leaves the run
# folder (frames.csv, detections.jsonl, summary.json, annotated/ video segments). Extra arguments go to
# `smartcamrt run` (e.g. --frames 100, --threads 1, --source 0 for a webcam).
set -euo pipefail
bash "$(dirname "$0")/setup.sh"
source "$(dirname "$0")/env.sh"
model="$(ensure_model 640)"
exec smartcamrt run --model "$model" --source "$SMARTCAMRT_ASSETS/video/vtest.avi" --realtime "$@"
