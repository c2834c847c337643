#!/usr/bin/env bash
# Fetches the linux-aarch64 (arm64) C/C++ runtime libraries for the Raspberry Pi build, from the
# registries only, into .deps/ (one folder each, the layouts the cmake/Find*.cmake modules expect):
#
#   ort         .deps/onnxruntime-linux-arm64-<v>     scripts/fetch-ort-sdk.sh DEST arm64: npm
#                                                      onnxruntime-node's bin/napi-v6/linux/arm64/
#                                                      libonnxruntime.so.1 + Debian trixie's arm64
#                                                      libonnxruntime-dev headers
#   executorch  .deps/executorch-aarch64-<v>/executorch   the executorch wheel for
#                                                      cp311-manylinux_2_28_aarch64 (include/, lib/,
#                                                      share/cmake/), unzipped, not installed
#   openvino    .deps/openvino-aarch64-<v>/openvino   the openvino wheel for cp311-manylinux_2_35_aarch64
#                                                      (libs/ incl. the ARM CPU plugin, include/, cmake/)
#   litert      .deps/litert-arm64-<v>                scripts/fetch-litert.sh DEST arm64: litert-lm-api's
#                                                      py3-none-manylinux_2_27_aarch64 wheel + Debian's
#                                                      libtensorflow-lite-dev headers
#
# pip matches --platform tags literally (manylinux2014_aarch64 does not match a manylinux_2_28 wheel),
# so each wheel is asked for with the one tag PyPI has for it (evidence in docs/deployment.md).
# Versions follow tools/requirements.txt (executorch, openvino) and the x86 SDKs (ORT, litert-lm-api).
#
# Usage: scripts/deploy/fetch-aarch64-runtimes.sh [RUNTIME...]    default: ort executorch openvino litert
# Prints "<runtime> <folder>" per runtime fetched; a runtime that cannot be fetched is reported on
# stderr and the script goes on (exit 1 at the end if any failed). Idempotent.
set -uo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
say() { printf '[fetch-aarch64] %s\n' "$*" >&2; }

pin() { sed -n "s/^$1==\([^ ;]*\).*/\1/p" tools/requirements.txt | head -1; }
ORT_VERSION="${ORT_VERSION:-1.30.0}"
EXECUTORCH_VERSION="${EXECUTORCH_VERSION:-$(pin executorch)}"
OPENVINO_VERSION="${OPENVINO_VERSION:-$(pin openvino)}"
LITERT_LM_VERSION="${LITERT_LM_VERSION:-0.18.1}"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$repo/.venv/bin/python" ]]; then python="$repo/.venv/bin/python"; else python=python3; fi
fi

# wheel_unpack NAME==VERSION PLATFORM DEST PATTERN...: pip download the cp311 wheel for PLATFORM and
# unzip the members matching PATTERNs into DEST.
wheel_unpack() {
  local spec="$1" platform="$2" dest="$3"
  shift 3
  local work
  work="$(mktemp -d)"
  if ! "$python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.11 --implementation cp --abi cp311 --platform "$platform" -d "$work" "$spec" \
    >"$work/pip.log" 2>&1; then
    say "pip download $spec ($platform) failed: $(grep -m1 -E 'ERROR' "$work/pip.log" || tail -1 "$work/pip.log")"
    rm -rf "$work"
    return 1
  fi
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  unzip -q -o "$work"/*.whl "$@" -d "$dest.tmp" || { rm -rf "$work" "$dest.tmp"; return 1; }
  basename "$work"/*.whl >"$dest.tmp/WHEEL.txt"
  rm -rf "$dest" "$work"
  mv "$dest.tmp" "$dest"
}

fetch_ort() {
  bash scripts/fetch-ort-sdk.sh "$repo/.deps/onnxruntime-linux-arm64-$ORT_VERSION" arm64 | tail -1
}

fetch_executorch() {
  local dest="$repo/.deps/executorch-aarch64-$EXECUTORCH_VERSION"
  if [[ ! -f "$dest/executorch/lib/libexecutorch.so" ]]; then
    wheel_unpack "executorch==$EXECUTORCH_VERSION" manylinux_2_28_aarch64 "$dest" \
      'executorch/include/*' 'executorch/lib/*' 'executorch/share/cmake/*' 'executorch/version.py' || return 1
  fi
  echo "$dest/executorch"
}

fetch_openvino() {
  local dest="$repo/.deps/openvino-aarch64-$OPENVINO_VERSION"
  if [[ ! -f "$dest/openvino/cmake/OpenVINOConfig.cmake" ]]; then
    wheel_unpack "openvino==$OPENVINO_VERSION" manylinux_2_35_aarch64 "$dest" \
      'openvino/libs/*' 'openvino/include/*' 'openvino/cmake/*' || return 1
  fi
  echo "$dest/openvino"
}

fetch_litert() {
  PYTHON="$python" LITERT_LM_VERSION="$LITERT_LM_VERSION" \
    bash scripts/fetch-litert.sh "$repo/.deps/litert-arm64-$LITERT_LM_VERSION" arm64 | tail -1
}

runtimes=("$@")
((${#runtimes[@]})) || runtimes=(ort executorch openvino litert)
failed=0
for rt in "${runtimes[@]}"; do
  case "$rt" in
    ort | executorch | openvino | litert) ;;
    *) say "unknown runtime '$rt' (expected ort, executorch, openvino, litert)"; exit 2 ;;
  esac
  if folder="$("fetch_$rt")" && [[ -n "$folder" ]]; then
    echo "$rt $folder"
  else
    say "$rt: not fetched; it builds as unavailable"
    failed=1
  fi
done
exit "$failed"
