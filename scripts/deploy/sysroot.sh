#!/usr/bin/env bash
# Assembles a Debian 12 (bookworm) arm64 sysroot for the Raspberry Pi cross-build, from the Debian
# archive only: the arm64 .debs of the engine's build dependencies and everything they depend on are
# downloaded with apt-get under a private state (its own sources list, lists, cache and an empty dpkg
# status, so that apt resolves the complete arm64 closure) and unpacked with `dpkg-deb -x` into one
# folder. Nothing is installed on this machine; the host's amd64 packages are never touched.
#
# Why not multiarch (`dpkg --add-architecture arm64; apt-get install libopencv-*-dev:arm64`): on
# Debian 12 the arm64 OpenCV imgcodecs/videoio packages are not co-installable with the amd64 ones:
# libopencv-imgcodecs406:arm64 -> libgdal32:arm64 -> gdal-plugins, libhdf4-0-alt, libogdi4.1,
# libarmadillo11 (none of them Multi-Arch: same), so apt removes libopencv-{imgcodecs,videoio}-dev
# (amd64) and the x86 build breaks. core/imgproc/httplib/gtest alone would co-install, OpenCV's I/O
# modules would not. See docs/deployment.md.
#
# The same folder serves three purposes:
#   - the compiler's --sysroot (cmake/toolchains/aarch64-linux-gnu.cmake: CMAKE_SYSROOT),
#   - the library set a Raspberry Pi OS bookworm (64-bit) install has after install.sh's `apt install`
#     (Raspberry Pi OS 64-bit takes these packages from the same Debian bookworm archive),
#   - qemu-aarch64's -L prefix (dynamic loader and system libraries) in scripts/deploy/verify-pi.sh.
#
# Usage: scripts/deploy/sysroot.sh [DEST]      default DEST: .deps/sysroot-aarch64-bookworm
# Prints the sysroot on its last line. Idempotent: a complete sysroot (stamp file matching the package
# list) is kept. Environment: SYSROOT_MIRROR (default http://deb.debian.org/debian),
# SYSROOT_SECURITY_MIRROR (default http://deb.debian.org/debian-security).
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
dest="${1:-$here/.deps/sysroot-aarch64-bookworm}"
mirror="${SYSROOT_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${SYSROOT_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

# The arm64 packages the engine builds against (the arm64 twins of scripts/setup.sh's list) plus the
# C/C++ toolchain's target libraries, so that the sysroot is complete for `--sysroot`.
packages=(
  libc6-dev libstdc++-12-dev libgcc-12-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev
)
stamp_text="bookworm arm64: ${packages[*]}"

# What the packages' maintainer scripts would have done, which `dpkg-deb -x` does not run: the
# update-alternatives links of the reference BLAS/LAPACK (libblas.so.3, liblapack.so.3 live in
# blas/ and lapack/ sub-folders; OpenCV -> libgdal -> libarmadillo needs them at link and load time).
fix_alternatives() {
  local libdir="$1/usr/lib/aarch64-linux-gnu" sub lib
  for sub in blas lapack; do
    for lib in "$libdir/$sub"/lib*.so.3; do
      [[ -e "$lib" ]] || continue
      [[ -e "$libdir/$(basename "$lib")" ]] || ln -s "$sub/$(basename "$lib")" "$libdir/$(basename "$lib")"
    done
  done
}

if [[ -f "$dest/.smartcamrt-sysroot" && "$(head -1 "$dest/.smartcamrt-sysroot")" == "$stamp_text" ]]; then
  fix_alternatives "$dest"
  echo "$dest"
  exit 0
fi

for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "sysroot: '$tool' is required" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/etc/preferences.d"
: >"$work/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$work/sources.list" <<EOF
deb [arch=arm64 signed-by=$keyring] $mirror bookworm main
deb [arch=arm64 signed-by=$keyring] $mirror bookworm-updates main
deb [arch=arm64 signed-by=$keyring] $security_mirror bookworm-security main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-"
  -o "Dir::Etc::Preferences=$work/etc/preferences" -o "Dir::Etc::PreferencesParts=$work/etc/preferences.d"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
  -o "Dir::State::status=$work/status" -o "APT::Architecture=arm64" -o "APT::Architectures=arm64"
  -o "APT::Install-Recommends=false" -o "APT::Install-Suggests=false" -o "Debug::NoLocking=1")

echo "sysroot: apt-get update (bookworm arm64, private state)" >&2
apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 || {
  echo "sysroot: apt-get update failed: $(tail -1 "$work/apt.log")" >&2
  exit 1
}
echo "sysroot: resolving and downloading ${packages[*]} with their arm64 dependencies" >&2
apt-get "${apt_opts[@]}" install -y --download-only "${packages[@]}" >>"$work/apt.log" 2>&1 || {
  grep -E '^E:' "$work/apt.log" >&2 || tail -5 "$work/apt.log" >&2
  echo "sysroot: apt-get install --download-only failed" >&2
  exit 1
}

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/.packages"
count=0
for deb in "$work"/archives/*.deb; do
  dpkg-deb -x "$deb" "$dest.tmp"
  # Which package put which file there: docs and the bundle tests map a NEEDED soname to its package.
  name="$(dpkg-deb -f "$deb" Package)"
  version="$(dpkg-deb -f "$deb" Version)"
  echo "$name $version" >>"$dest.tmp/.packages/PACKAGES.txt"
  dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$dest.tmp/.packages/$name.list"
  count=$((count + 1))
done
sort -o "$dest.tmp/.packages/PACKAGES.txt" "$dest.tmp/.packages/PACKAGES.txt"

# Absolute symlinks inside the tree (e.g. usr/lib/aarch64-linux-gnu/libfoo.so -> /lib/...) would point
# at the host: make them relative to the sysroot.
while IFS= read -r -d '' link; do
  target="$(readlink "$link")"
  [[ "$target" == /* ]] || continue
  rel="$(realpath -m --relative-to="$(dirname "$link")" "$dest.tmp$target")"
  ln -sfn "$rel" "$link"
done < <(find "$dest.tmp" -type l -print0)

fix_alternatives "$dest.tmp"

{
  echo "$stamp_text"
  echo "packages unpacked: $count"
  echo "sources: $mirror bookworm bookworm-updates, $security_mirror bookworm-security (arm64)"
} >"$dest.tmp/.smartcamrt-sysroot"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "sysroot: $count packages unpacked into $dest" >&2
echo "$dest"
