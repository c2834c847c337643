#!/usr/bin/env bash
# Makes the third-party TFLite text classifier of the assets (TensorFlow Lite Model Maker's
# average-word-vector sentiment model, trained on IMDB) runnable by the engine, which takes a model's
# task, tokenizer and labels from the manifest beside it: copies the model, its vocabulary and labels
# into DEST (default $SMARTCAMRT_HOME/models, i.e. ~/.cache/smartcamrt/models) and writes that manifest.
# The assets folder itself is left as it is. Prints the model path as its last line:
#
#   model=$(scripts/text/prepare-avgwordvec.sh)
#   build/smartcamrt run --model "$model" --source "$SMARTCAMRT_ASSETS/text/sst2/dev.tsv"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
assets="${SMARTCAMRT_ASSETS:-$here/../../../shared/assets}"
dest="${1:-${SMARTCAMRT_HOME:-$HOME/.cache/smartcamrt}/models}"
name=text_classification_imdb_avgwordvec
for suffix in .tflite .vocab.txt .labels.txt; do
  if [[ ! -f "$assets/models/$name$suffix" ]]; then
    echo "prepare-avgwordvec: $assets/models/$name$suffix is missing (set SMARTCAMRT_ASSETS to the assets folder)" >&2
    exit 1
  fi
done
mkdir -p "$dest"
for suffix in .tflite .vocab.txt .labels.txt; do cp "$assets/models/$name$suffix" "$dest/$name$suffix"; done
# Model Maker's preprocessing: text.lower(), split on [^\w']+, <START> first, unknown words <UNKNOWN>,
# padded with <PAD> (or cut) to the model's 256 ids, given as float32; the output is already softmax.
cat >"$dest/$name.tflite.json" <<JSON
{
  "task": "text-classification",
  "format": "tflite",
  "precision": "fp32",
  "source": "third-party: TensorFlow Lite Model Maker AverageWordVec sentiment model (IMDB), assets models/$name.tflite",
  "labels_file": "$name.labels.txt",
  "inputs": ["input_ids"],
  "dynamic_length": false,
  "output_activation": "softmax",
  "tokenizer": {
    "kind": "model-maker",
    "vocab": "$name.vocab.txt",
    "lower_case": true,
    "max_length": 256,
    "start_token": "<START>",
    "unk_token": "<UNKNOWN>",
    "pad_token": "<PAD>"
  }
}
JSON
echo "$dest/$name.tflite"
