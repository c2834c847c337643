#!/usr/bin/env bash
# Assembles a LiteRT (TensorFlow Lite) C API SDK folder (include/, lib/) from package registries only:
#   - the shared library from the PyPI wheel litert-lm-api: its litert_lm/liblitert-lm.so exports the
#     whole TFLite C API (TfLiteModelCreateFromFile, TfLiteInterpreterCreate, ...; TfLiteVersion()
#     reports 2.23.0 for litert-lm-api 0.18.1). The ai-edge-litert wheel's libLiteRt.so exports only
#     the newer LiteRt* API, whose headers no registry package ships (docs/runtimes/litert.md).
#   - the TFLite C headers (tensorflow/lite/core/c/c_api.h, ...) from Debian's libtensorflow-lite-dev
#     (2.14.1, in forky/sid), fetched with `apt-get download` under a temporary sources list and
#     unpacked, never installed. The TFLite C API is ABI-stable (opaque handles, plain C structs), so the
#     older headers describe the newer library.
#
# Usage: scripts/fetch-litert.sh [DEST] [ARCH]     ARCH: x64 (default) or arm64
# Prints the SDK folder on its last line. Idempotent: an existing complete SDK is kept.
# Environment: LITERT_LM_VERSION (default 0.18.1), PYTHON (a python with pip; default .venv/bin/python,
# then python3).
set -euo pipefail

LITERT_LM_VERSION="${LITERT_LM_VERSION:-0.18.1}"
ARCH="${2:-x64}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$here/.deps/litert-$ARCH-$LITERT_LM_VERSION}"

case "$ARCH" in
  x64) deb_arch=amd64 wheel_platform=manylinux_2_27_x86_64 ;;
  arm64) deb_arch=arm64 wheel_platform=manylinux_2_27_aarch64 ;;
  *) echo "fetch-litert: unknown ARCH '$ARCH' (expected x64 or arm64)" >&2; exit 2 ;;
esac

if [[ -f "$dest/lib/libtensorflowlite_c.so" && -f "$dest/include/tensorflow/lite/core/c/c_api.h" ]]; then
  echo "$dest"
  exit 0
fi

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then python="$here/.venv/bin/python"; else python=python3; fi
fi
"$python" -m pip --version >/dev/null 2>&1 || { echo "fetch-litert: '$python -m pip' is required" >&2; exit 2; }
for tool in apt-get dpkg-deb unzip; do
  command -v "$tool" >/dev/null || { echo "fetch-litert: '$tool' is required" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-litert: litert-lm-api==$LITERT_LM_VERSION ($wheel_platform) from PyPI" >&2
"$python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
  --platform "$wheel_platform" -d "$work/wheel" "litert-lm-api==$LITERT_LM_VERSION" >"$work/pip.log" 2>&1 || {
  echo "fetch-litert: 'pip download litert-lm-api==$LITERT_LM_VERSION' failed (offline?): $(tail -1 "$work/pip.log")" >&2
  exit 1
}
unzip -q -o "$work"/wheel/litert_lm_api-*.whl 'litert_lm/liblitert-lm.so' 'litert_lm_api-*.dist-info/*' -d "$work/w"
lib_src="$work/w/litert_lm/liblitert-lm.so"
[[ -f "$lib_src" ]] || { echo "fetch-litert: litert_lm/liblitert-lm.so not in the wheel" >&2; exit 1; }

echo "fetch-litert: libtensorflow-lite-dev headers from Debian (forky, else sid)" >&2
headers_deb=""
for suite in forky sid; do
  apt_dir="$work/apt-$suite"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$work/deb-$suite"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
    >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
    -o "Dir::State::status=/dev/null" -o "APT::Architecture=$deb_arch" -o "APT::Architectures=$deb_arch"
    -o "Debug::NoLocking=1")
  apt-get "${apt_opts[@]}" update >>"$work/apt.log" 2>&1 || continue
  if (cd "$work/deb-$suite" && apt-get "${apt_opts[@]}" download libtensorflow-lite-dev >>"$work/apt.log" 2>&1); then
    headers_deb="$(ls "$work/deb-$suite"/libtensorflow-lite-dev_*.deb)"
    break
  fi
done
[[ -n "$headers_deb" ]] || {
  echo "fetch-litert: apt-get download libtensorflow-lite-dev failed: $(tail -1 "$work/apt.log")" >&2
  exit 1
}
dpkg-deb -x "$headers_deb" "$work/x"
hdr_src="$work/x/usr/include"
[[ -f "$hdr_src/tensorflow/lite/core/c/c_api.h" ]] ||
  { echo "fetch-litert: no tensorflow/lite/core/c/c_api.h in $(basename "$headers_deb")" >&2; exit 1; }

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/include" "$dest.tmp/lib"
cp -r "$hdr_src/tensorflow" "$dest.tmp/include/"
cp "$lib_src" "$dest.tmp/lib/libtensorflowlite_c.so"
cp "$work"/w/litert_lm_api-*.dist-info/licenses/* "$dest.tmp/" 2>/dev/null ||
  cp "$work"/w/litert_lm_api-*.dist-info/LICENSE* "$dest.tmp/" 2>/dev/null || true
cp "$work/x/usr/share/doc/libtensorflow-lite-dev/copyright" "$dest.tmp/HEADERS-COPYRIGHT" 2>/dev/null || true
headers_version="$(basename "$headers_deb" | cut -d_ -f2)"
printf 'library: litert_lm/liblitert-lm.so from litert-lm-api==%s (PyPI, %s), renamed libtensorflowlite_c.so\nheaders: libtensorflow-lite-dev %s (Debian)\n' \
  "$LITERT_LM_VERSION" "$wheel_platform" "$headers_version" >"$dest.tmp/SOURCES.txt"
echo "$LITERT_LM_VERSION" >"$dest.tmp/VERSION_NUMBER"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest"
