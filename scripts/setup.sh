#!/usr/bin/env bash
# Installs everything SmartCamRT needs on a fresh Debian 12 machine, from package registries only,
# then builds the engine. Idempotent: each step is skipped when its result is already there.
#   1. Debian packages (compilers, CMake, libjpeg/libpng, GoogleTest, CLI11, nlohmann-json, ...)
#   1b. the engine's lean OpenCV 4.6 + FFmpeg (scripts/build-codecs.sh: built once per machine from
#       Debian's sources, ~12 min on 2 cores, kept in ~/.cache/smartcamrt/deps), unless OpenCV_DIR names one
#   2. the ONNX Runtime C/C++ SDK (scripts/fetch-ort-sdk.sh), unless ONNXRUNTIME_ROOT names one
#   3. a Python 3.11 venv (.venv) with the pinned tooling (tools/requirements.txt) and smartcamrt-tools
#   3b. the LiteRT/TFLite C API SDK (scripts/fetch-litert.sh), unless LITERT_ROOT names one
#   3c. the ExecuTorch C++ runtime: ships in the executorch wheel of step 3 (scripts/find-executorch.sh)
#   3d. the OpenVINO C++ runtime: ships in the openvino wheel of step 3 (found by cmake/FindOpenVINORuntime.cmake)
#   4. the C++ build (CMake preset "release" -> build/)
# Environment: SMARTCAMRT_SKIP_BUILD=1 skips step 4.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
say() { printf '[setup] %s\n' "$*" >&2; }

# 1. Debian packages ---------------------------------------------------------------------------
apt_packages=(build-essential cmake ninja-build pkg-config git ca-certificates dpkg-dev xz-utils nasm
  libjpeg62-turbo-dev libpng-dev zlib1g-dev
  libgtest-dev libgmock-dev nlohmann-json3-dev libcli11-dev libcpp-httplib-dev clang-format ffmpeg
  python3 python3-venv npm)
missing=()
for pkg in "${apt_packages[@]}"; do
  # An npm from elsewhere (nodesource, nvm) serves as well as Debian's.
  [[ "$pkg" == npm ]] && command -v npm >/dev/null && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { say "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: present"
fi

# 1b. Lean OpenCV + FFmpeg -------------------------------------------------------------------
# Debian's OpenCV links GDAL, GStreamer and every codec library: ~50 MB of a run's memory (docs/benchmarks.md).
if [[ -n "${OpenCV_DIR:-}" ]]; then
  [[ -f "$OpenCV_DIR/OpenCVConfig.cmake" ]] || { say "OpenCV_DIR=$OpenCV_DIR has no OpenCVConfig.cmake"; exit 1; }
  opencv_dir="$OpenCV_DIR"
  say "OpenCV: $opencv_dir (from OpenCV_DIR)"
else
  opencv_dir="$(bash scripts/build-codecs.sh | tail -n 1)"
  say "OpenCV (lean, with its FFmpeg): $opencv_dir"
fi

# 2. ONNX Runtime C/C++ SDK --------------------------------------------------------------------
if [[ -n "${ONNXRUNTIME_ROOT:-}" ]]; then
  [[ -f "$ONNXRUNTIME_ROOT/include/onnxruntime_cxx_api.h" ]] ||
    { say "ONNXRUNTIME_ROOT=$ONNXRUNTIME_ROOT has no include/onnxruntime_cxx_api.h"; exit 1; }
  say "ONNX Runtime SDK: $ONNXRUNTIME_ROOT (from ONNXRUNTIME_ROOT)"
else
  sdk="$(bash scripts/fetch-ort-sdk.sh)"
  say "ONNX Runtime SDK: $sdk"
fi

# 3. Python tooling venv -----------------------------------------------------------------------
python_bin=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python_bin="$(command -v "$candidate")"
    break
  fi
done
[[ -n "$python_bin" ]] || { say "Python 3.11 is required (python3.11 or python3)"; exit 1; }
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi
stamp=.venv/.smartcamrt-requirements
wanted="$(sha256sum tools/requirements.txt tools/requirements-convert.txt tools/pyproject.toml | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  say "installing the pinned Python tooling (torch 2.13.0 CPU, onnx, onnxruntime, executorch, litert, ...)"
  log=.venv/pip-install.log
  # requirements-convert.txt goes in without dependency resolution (why: in the file itself).
  if ! { .venv/bin/python -m pip install --disable-pip-version-check -r tools/requirements.txt &&
    .venv/bin/python -m pip install --disable-pip-version-check --no-deps -r tools/requirements-convert.txt &&
    .venv/bin/python -m pip install --disable-pip-version-check --no-deps -e tools; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    say "pip install failed (full log: $log)"
    exit 1
  fi
  echo "$wanted" >"$stamp"
else
  say "Python tooling: present (.venv)"
fi

# 3b. LiteRT (TFLite C API) SDK: library from PyPI (litert-lm-api), headers from Debian --------------
if [[ -n "${LITERT_ROOT:-}" ]]; then
  say "LiteRT SDK: $LITERT_ROOT (from LITERT_ROOT)"
else
  PYTHON="$repo/.venv/bin/python" bash scripts/fetch-litert.sh >/dev/null || say "LiteRT SDK: not fetched; the 'litert' backend builds as unavailable"
fi

# 3c. ExecuTorch C++ runtime: headers and libraries inside the executorch wheel (step 3) --------
if et_root="$(bash scripts/find-executorch.sh)"; then
  say "ExecuTorch runtime: $et_root"
else
  say "ExecuTorch runtime: not found; the 'executorch' backend builds as unavailable"
fi

# 3d. OpenVINO C++ runtime: libraries, headers and CMake package config inside the openvino wheel (step 3)
if ov_cmake="$(ls -d "$repo"/.venv/lib/python3*/site-packages/openvino/cmake 2>/dev/null | head -n 1)" && [[ -n "$ov_cmake" ]]; then
  say "OpenVINO runtime: $ov_cmake"
else
  say "OpenVINO runtime: not found; the 'openvino' backend builds as unavailable"
fi

# 4. Build --------------------------------------------------------------------------------------
if [[ "${SMARTCAMRT_SKIP_BUILD:-0}" != 1 ]]; then
  # Configured every time (seconds) so that a build folder made against another OpenCV moves to this one.
  cmake --preset release -DOpenCV_DIR="$opencv_dir" >/dev/null
  say "building (cmake --build build)"
  cmake --build build -j "$(nproc)" >/dev/null || cmake --build build -j 1
  say "engine: $repo/build/smartcamrt"
fi
