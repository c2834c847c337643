# Sourced by the scripts: where the assets, the model cache and the tools are.
# SMARTCAMRT_ASSETS: the shared real data (default: ../shared/assets beside the checkout).
# SMARTCAMRT_HOME:   the model cache (default: ~/.cache/smartcamrt).
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SMARTCAMRT_ASSETS="${SMARTCAMRT_ASSETS:-$(cd "$repo/.." && pwd)/shared/assets}"
export SMARTCAMRT_HOME="${SMARTCAMRT_HOME:-$HOME/.cache/smartcamrt}"
export PATH="$repo/build:$repo/.venv/bin:$PATH"
if [[ ! -f "$SMARTCAMRT_ASSETS/models/yolov5n.pt" ]]; then
  echo "SMARTCAMRT_ASSETS=$SMARTCAMRT_ASSETS does not hold models/yolov5n.pt: point SMARTCAMRT_ASSETS at the assets folder" >&2
  exit 2
fi

# The artifact, its manifest and, for OpenVINO IR, the weights file beside the graph
# (tools/smartcamrt_tools/model_files.py has the same rule).
model_complete() {
  local artifact="$1"
  [[ -n "$artifact" && -f "$artifact" && -f "$artifact.json" ]] || return 1
  [[ "$artifact" != *.xml || -f "${artifact%.xml}.bin" ]]
}

# Exports yolov5n in FORMAT (default onnx) at IMGSZ (default 640) into the model cache unless that
# was done before, and prints the artifact path (the last line `smartcamrt export` prints).
ensure_model() {
  local imgsz="${1:-640}" format="${2:-onnx}"
  local record="$SMARTCAMRT_HOME/models/.yolov5n-$imgsz-$format.path" artifact=""
  [[ -f "$record" ]] && artifact="$(cat "$record")"
  if ! model_complete "$artifact"; then
    echo "[model] exporting yolov5n.pt -> $format at $imgsz into $SMARTCAMRT_HOME/models" >&2
    mkdir -p "$SMARTCAMRT_HOME/models"
    artifact="$(smartcamrt export --weights yolov5n.pt --format "$format" --imgsz "$imgsz" \
      --out "$SMARTCAMRT_HOME/models" | tee /dev/stderr | tail -n 1)"
    # The export's own message is above; errexit does not reach into $(...), so stop here.
    model_complete "$artifact" || { echo "[model] export to $format failed" >&2; return 1; }
    echo "$artifact" >"$record"
  fi
  echo "$artifact"
}
