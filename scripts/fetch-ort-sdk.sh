#!/usr/bin/env bash
# Assembles an ONNX Runtime C/C++ SDK folder in the official release layout (include/, lib/)
# from package registries only:
#   - the shared library from the npm package onnxruntime-node (it bundles libonnxruntime.so.1),
#   - the C/C++ headers from Debian trixie's libonnxruntime-dev, fetched with `apt-get download`
#     under a temporary sources list and unpacked, never installed.
# ORT's C API is versioned (OrtGetApiBase()->GetApi(ORT_API_VERSION)), so headers older than the
# library work: the library serves every API version up to its own.
#
# Usage: scripts/fetch-ort-sdk.sh [DEST] [ARCH]     ARCH: x64 (default) or arm64
# Prints the SDK folder on its last line. Idempotent: an existing complete SDK is kept.
set -euo pipefail

ORT_VERSION="${ORT_VERSION:-1.30.0}"
ARCH="${2:-x64}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$here/.deps/onnxruntime-linux-$ARCH-$ORT_VERSION}"

case "$ARCH" in
  x64) deb_arch=amd64 ;;
  arm64) deb_arch=arm64 ;;
  *) echo "fetch-ort-sdk: unknown ARCH '$ARCH' (expected x64 or arm64)" >&2; exit 2 ;;
esac

if [[ -f "$dest/lib/libonnxruntime.so.1" && -f "$dest/include/onnxruntime_cxx_api.h" ]]; then
  echo "$dest"
  exit 0
fi

for tool in npm apt-get dpkg-deb tar; do
  command -v "$tool" >/dev/null || { echo "fetch-ort-sdk: '$tool' is required" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-ort-sdk: onnxruntime-node@$ORT_VERSION from the npm registry" >&2
(cd "$work" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null 2>"$work/npm.log") || {
  echo "fetch-ort-sdk: 'npm pack onnxruntime-node@$ORT_VERSION' failed (offline?): $(tail -1 "$work/npm.log")" >&2
  exit 1
}
tar -xzf "$work"/onnxruntime-node-*.tgz -C "$work"
lib_src="$work/package/bin/napi-v6/linux/$ARCH/libonnxruntime.so.1"
[[ -f "$lib_src" ]] || { echo "fetch-ort-sdk: $lib_src not in the npm package" >&2; exit 1; }

echo "fetch-ort-sdk: libonnxruntime-dev headers from Debian trixie" >&2
mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/deb"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  >"$work/apt/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache::Archives=$work/apt/archives"
  -o "APT::Architecture=$deb_arch" -o "APT::Architectures=$deb_arch" -o "Debug::NoLocking=1")
apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 || {
  echo "fetch-ort-sdk: apt-get update for trixie failed: $(tail -1 "$work/apt.log")" >&2
  exit 1
}
(cd "$work/deb" && apt-get "${apt_opts[@]}" download libonnxruntime-dev >>"$work/apt.log" 2>&1) || {
  echo "fetch-ort-sdk: apt-get download libonnxruntime-dev failed: $(tail -1 "$work/apt.log")" >&2
  exit 1
}
dpkg-deb -x "$work"/deb/libonnxruntime-dev_*.deb "$work/x"
hdr_src="$(dirname "$(find "$work/x" -name onnxruntime_cxx_api.h | head -1)")"
[[ -d "$hdr_src" ]] || { echo "fetch-ort-sdk: no onnxruntime_cxx_api.h in libonnxruntime-dev" >&2; exit 1; }

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/include" "$dest.tmp/lib"
cp -r "$hdr_src"/. "$dest.tmp/include/"
cp "$lib_src" "$dest.tmp/lib/libonnxruntime.so.1"
ln -sf libonnxruntime.so.1 "$dest.tmp/lib/libonnxruntime.so"
cp "$work/package/LICENSE" "$dest.tmp/LICENSE" 2>/dev/null || true
headers_version="$(basename "$work"/deb/libonnxruntime-dev_*.deb | cut -d_ -f2)"
printf 'library: onnxruntime-node@%s (npm)\nheaders: libonnxruntime-dev %s (Debian trixie)\n' \
  "$ORT_VERSION" "$headers_version" >"$dest.tmp/SOURCES.txt"
echo "$ORT_VERSION" >"$dest.tmp/VERSION_NUMBER"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest"
