#!/usr/bin/env bash
# Installs what the Raspberry Pi (linux-aarch64) cross-build and its emulated check need, on Debian 12
# x86-64, from the registries only. Idempotent: each step is skipped when its result is there.
#   1. Debian packages (host): crossbuild-essential-arm64 (GCC 12 for aarch64, the arm64 glibc),
#      qemu-user-static (qemu-aarch64-static), patchelf (RUNPATH of the bundled libraries), plus the
#      host build tools scripts/setup.sh installs (cmake, ninja, pkg-config).
#      Note: qemu-user-static replaces qemu-user-binfmt if that is installed (they conflict; the
#      qemu-user binaries stay).
#   2. the arm64 sysroot (scripts/deploy/sysroot.sh): Debian bookworm arm64 packages of OpenCV 4.6,
#      nlohmann-json, CLI11, cpp-httplib, GoogleTest, libc6-dev, libstdc++-12-dev and their whole
#      dependency closure, unpacked into .deps/sysroot-aarch64-bookworm. NOT multiarch
#      (`dpkg --add-architecture arm64`): libopencv-imgcodecs-dev:arm64 / libopencv-videoio-dev:arm64
#      cannot be co-installed with the amd64 ones on Debian 12 (libgdal32's gdal-plugins,
#      libhdf4-0-alt, libogdi4.1, libarmadillo11 are not Multi-Arch: same), so apt would remove the
#      amd64 OpenCV and break the x86 build.
#   3. the aarch64 runtime libraries (scripts/deploy/fetch-aarch64-runtimes.sh): ONNX Runtime (npm
#      onnxruntime-node linux/arm64), ExecuTorch, OpenVINO and LiteRT (PyPI aarch64 wheels).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
say() { printf '[cross-deps] %s\n' "$*" >&2; }

packages=(crossbuild-essential-arm64 qemu-user-static patchelf cmake ninja-build pkg-config binutils unzip python3)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { say "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    sudo_cmd=(sudo)
  fi
  say "apt-get install ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: present (${packages[*]})"
fi

say "arm64 sysroot: $(bash scripts/deploy/sysroot.sh | tail -1)"
bash scripts/deploy/fetch-aarch64-runtimes.sh | sed 's/^/[cross-deps] runtime /' >&2 ||
  say "some aarch64 runtimes could not be fetched: those backends build as unavailable"
