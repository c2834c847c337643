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

# Exports yolov5n to ONNX at the given size into the model cache unless it is already there.
# Prints the model path.
ensure_model() {
  local imgsz="${1:-640}" model="$SMARTCAMRT_HOME/models/yolov5n-${1:-640}.onnx"
  if [[ ! -f "$model" || ! -f "$model.json" ]]; then
    echo "[model] exporting yolov5n.pt -> $model" >&2
    smartcamrt export --weights yolov5n.pt --format onnx --imgsz "$imgsz" --out "$SMARTCAMRT_HOME/models" >&2
  fi
  echo "$model"
}
