#!/usr/bin/env bash
# Builds the Raspberry Pi (linux-aarch64) bundle: cross-compiles the engine for -march=armv8-a
# (Raspberry Pi 4 and 5, Raspberry Pi OS bookworm 64-bit) and packs
#
#   smartcamrt-<version>-linux-aarch64/
#     bin/smartcamrt                the engine (RUNPATH $ORIGIN/../lib)
#     bin/smartcamrt-rotate-runs    run-folder rotation (the unit runs it before every start)
#     lib/                          libsmartcamrt.so.*, its backend modules, the runtimes (ONNX Runtime; ExecuTorch, OpenVINO,
#                                   LiteRT when built), all RUNPATH $ORIGIN
#     models/                       yolov5n-640.onnx, yolov5n-320.onnx (+ any other rung asked for),
#                                   each with its manifest, and SHA256SUMS
#     config/smartcamrt.conf        the service's settings
#     systemd/smartcamrt.service    the unit (install.sh fills in the prefix)
#     install.sh  README.md  SYSTEM-PACKAGES.txt  BUNDLE.json  licenses/
#
# into DIR/smartcamrt-<version>-linux-aarch64.tar.gz. OpenCV, cpp-httplib and their dependencies are
# not bundled: they are Debian bookworm packages that Raspberry Pi OS installs with apt (install.sh
# does; list in SYSTEM-PACKAGES.txt), the same builds the engine was linked against. Why: docs/deployment.md.
#
# Usage: scripts/deploy/pi.sh --out DIR [--build-dir DIR] [--runtimes ort,executorch,openvino,litert]
#          [--models M ...] [--sysroot DIR] [--jobs N] [--no-build] [--werror]
#        (or `smartcamrt deploy pi --out DIR ...`, which hands its arguments to this script)
#   --runtimes  which runtime libraries go into the bundle (default: every one that was built except
#               LiteRT, whose only aarch64 registry build needs Armv8.1-A LSE atomics and aborts on a
#               Pi 4; add it for a Pi 5-only bundle). The engine is always built with every backend
#               whose aarch64 SDK could be fetched; a runtime left out of the bundle reports itself
#               unavailable on the Pi (library not found).
#   --models    model files (each with its <file>.json manifest) or names looked up in
#               $SMARTCAMRT_HOME/models (default: yolov5n-640.onnx yolov5n-320.onnx
#               yolov5n-640.int8.onnx yolov5n-320.int8.onnx; a missing one stops the script with the
#               export command that makes it). The int8 rungs for Arm: `--format onnx-int8 --target-isa
#               vnni` (qdq-u8s8: ORT's Arm kernels do not saturate, and u8 x s8 is their fast path;
#               docs/quantization.md); `--target-isa portable` (qdq-u8u8) is the one an x86 host
#               without VNNI can validate
#   --sysroot   the Debian bookworm arm64 sysroot (default: $SMARTCAMRT_AARCH64_SYSROOT or
#               .deps/sysroot-aarch64-bookworm, made by scripts/deploy/install-cross-deps.sh)
#   --no-build  package the existing build dir as it is
# Heavy steps (configure, compile) run under `flock /tmp/smartcamrt-heavy.lock` (a shared machine).
# Prints the bundle path on its last line.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
say() { printf '[pi] %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

out="" build_dir="$repo/build-aarch64" runtimes="" jobs="$(nproc)" do_build=1 werror=OFF
sysroot="${SMARTCAMRT_AARCH64_SYSROOT:-$repo/.deps/sysroot-aarch64-bookworm}"
models=()
while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --build-dir) build_dir="$(realpath -m "$2")"; shift 2 ;;
    --runtimes) runtimes="$2"; shift 2 ;;
    --models) shift; while (($#)) && [[ "$1" != --* ]]; do models+=("$1"); shift; done ;;
    --sysroot) sysroot="$(realpath -m "$2")"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --werror) werror=ON; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ -n "$out" ]] || die "--out DIR is required"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
for tool in aarch64-linux-gnu-g++ aarch64-linux-gnu-strip aarch64-linux-gnu-readelf cmake ninja patchelf flock sha256sum; do
  command -v "$tool" >/dev/null ||
    die "'$tool' is missing: run scripts/deploy/install-cross-deps.sh (crossbuild-essential-arm64, patchelf, ...)"
done

version="$(sed -n 's/^project(smartcamrt VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
name="smartcamrt-$version-linux-aarch64"
heavy=(flock /tmp/smartcamrt-heavy.lock)

# The models, before minutes of building: each must be there with its manifest.
home="${SMARTCAMRT_HOME:-$HOME/.cache/smartcamrt}"
if ((${#models[@]} == 0)); then
  models=(yolov5n-640.onnx yolov5n-320.onnx yolov5n-640.int8.onnx yolov5n-320.int8.onnx)
fi
export_hint() { # the command that makes a default model
  local size format=onnx isa=""
  size="$(sed -n 's/.*-\([0-9]\{3\}\)\..*/\1/p' <<<"$1")"
  [[ "$1" == *.int8.onnx ]] && format=onnx-int8 isa=" --target-isa vnni"
  echo "smartcamrt export --weights \$SMARTCAMRT_ASSETS/models/yolov5n.pt --format $format$isa --imgsz $size --out $home/models"
}
for m in "${models[@]}"; do
  src="$m"
  [[ -f "$src" ]] || src="$home/models/$m"
  [[ -f "$src" ]] || die "model '$m' not found (as a path or in $home/models): make it with: $(export_hint "$m")"
  [[ -f "$src.json" ]] || die "model '$src' has no manifest ($src.json)"
done

# The sysroot is set up once, on purpose (apt downloads Debian arm64 packages; 658 MB unpacked): not here.
[[ -f "$sysroot/.smartcamrt-sysroot" ]] ||
  die "no arm64 sysroot at $sysroot: run scripts/deploy/install-cross-deps.sh (or scripts/deploy/sysroot.sh $sysroot)"

# 1. Sysroot and runtime SDKs (idempotent) -------------------------------------------------------------
sysroot="$(bash scripts/deploy/sysroot.sh "$sysroot" | tail -1)"
declare -A sdk=()
while read -r rt folder; do
  [[ -n "${rt:-}" ]] && sdk[$rt]="$folder"
done < <(bash scripts/deploy/fetch-aarch64-runtimes.sh || true)
[[ -n "${sdk[ort]:-}" ]] || die "no ONNX Runtime arm64 SDK (scripts/deploy/fetch-aarch64-runtimes.sh ort failed)"

# 2. Configure + build ---------------------------------------------------------------------------------
if ((do_build)); then
  cmake_args=(-S "$repo" -B "$build_dir" -G Ninja
    -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchains/aarch64-linux-gnu.cmake"
    -DSMARTCAMRT_AARCH64_SYSROOT="$sysroot"
    -DCMAKE_BUILD_TYPE=Release -DSMARTCAMRT_BUILD_TESTS=OFF -DSMARTCAMRT_WARNINGS_AS_ERRORS="$werror"
    -DONNXRUNTIME_ROOT="${sdk[ort]}")
  if [[ -n "${sdk[executorch]:-}" ]]; then
    cmake_args+=(-DSMARTCAMRT_WITH_EXECUTORCH=ON -DEXECUTORCH_ROOT="${sdk[executorch]}")
  else
    cmake_args+=(-DSMARTCAMRT_WITH_EXECUTORCH=OFF)
  fi
  if [[ -n "${sdk[openvino]:-}" ]]; then
    cmake_args+=(-DSMARTCAMRT_WITH_OPENVINO=ON -DOPENVINO_ROOT="${sdk[openvino]}/cmake")
  else
    cmake_args+=(-DSMARTCAMRT_WITH_OPENVINO=OFF)
  fi
  if [[ -n "${sdk[litert]:-}" ]]; then
    # The backend dlopen()s the path it was configured with: a bare file name here makes the loader
    # search libsmartcamrt.so's RUNPATH ($ORIGIN), i.e. the bundle's lib/, wherever it is installed.
    cmake_args+=(-DSMARTCAMRT_WITH_LITERT=ON -DLITERT_ROOT="${sdk[litert]}" -DLiteRT_LIBRARY=libtensorflowlite_c.so)
  else
    cmake_args+=(-DSMARTCAMRT_WITH_LITERT=OFF)
  fi
  say "configuring $build_dir (aarch64, -march=armv8-a+crc, sysroot $sysroot)"
  "${heavy[@]}" cmake "${cmake_args[@]}" >"$out/.configure.log" 2>&1 || { tail -30 "$out/.configure.log" >&2; die "configure failed (log: $out/.configure.log)"; }
  grep -E 'backend|not found' "$out/.configure.log" | sed 's/^-- /  /' >&2 || true
  say "building (cmake --build $build_dir -j $jobs, under the heavy-job lock)"
  "${heavy[@]}" cmake --build "$build_dir" -j "$jobs" >"$out/.build.log" 2>&1 || { tail -40 "$out/.build.log" >&2; die "build failed (log: $out/.build.log)"; }
fi
[[ -x "$build_dir/smartcamrt" ]] || die "$build_dir/smartcamrt missing: build first (without --no-build)"
cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt" | head -1; }

# Which backends the build has (the compile definitions decide it; the configure log says so too).
built=(ort)
for rt in executorch openvino litert; do
  defs="$(grep -o "SMARTCAMRT_HAVE_${rt^^}=1" "$build_dir/build.ninja" | head -1 || true)"
  [[ -n "$defs" ]] && built+=("$rt")
done
if [[ -z "$runtimes" ]]; then
  # LiteRT is built but not bundled by default: the only registry build of the TFLite C API for
  # aarch64 (litert-lm-api's liblitert-lm.so) is compiled for LSE atomics (Armv8.1-A) and aborts the
  # whole process at load time on a Raspberry Pi 4's Cortex-A72 ("This binary was compiled with lse
  # enabled, but this feature is not available on this processor"). Pi 5 (Cortex-A76) runs it:
  # --runtimes ort,executorch,openvino,litert makes a Pi 5-only bundle.
  bundled=()
  for rt in "${built[@]}"; do [[ "$rt" == litert ]] || bundled+=("$rt"); done
else
  IFS=, read -r -a bundled <<<"$runtimes"
  for rt in "${bundled[@]}"; do
    [[ " ${built[*]} " == *" $rt "* ]] || die "--runtimes $rt: not built for aarch64 (built: ${built[*]})"
    [[ "$rt" == litert ]] &&
      say "note: the bundled LiteRT library needs LSE atomics (Armv8.1-A): it runs on a Pi 5, and aborts the engine on a Pi 4"
  done
fi
say "backends built: ${built[*]}; bundled: ${bundled[*]}"

# 3. Stage ---------------------------------------------------------------------------------------------
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root"/{bin,lib,models,config,systemd,licenses}

install -m 755 "$build_dir/smartcamrt" "$root/bin/smartcamrt"
soname_lib="$(readlink -f "$build_dir/engine/libsmartcamrt.so")"
install -m 644 "$soname_lib" "$root/lib/"
real_name="$(basename "$soname_lib")"
soname="$(aarch64-linux-gnu-readelf -d "$soname_lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
ln -sf "$real_name" "$root/lib/$soname"
aarch64-linux-gnu-strip --strip-unneeded "$root/bin/smartcamrt" "$root/lib/$real_name"
# The backends built as modules (OpenVINO, ExecuTorch: loaded on first use from libsmartcamrt's folder),
# for the bundled runtimes only; a runtime left out then reports itself unavailable (module not found).
for rt in "${bundled[@]}"; do
  module="$build_dir/engine/libsmartcamrt_backend_$rt.so"
  [[ -f "$module" ]] || continue
  install -m 644 "$module" "$root/lib/"
  aarch64-linux-gnu-strip --strip-unneeded "$root/lib/$(basename "$module")"
done

copy_lib() { # copy_lib FILE [NAME]: a runtime library into lib/, its symlinks kept as symlinks
  local src="$1" dst_name="${2:-$(basename "$1")}"
  if [[ -L "$src" ]]; then
    ln -sf "$(readlink "$src")" "$root/lib/$dst_name"
  else
    install -m 644 "$src" "$root/lib/$dst_name"
  fi
}
for rt in "${bundled[@]}"; do
  case "$rt" in
    ort)
      copy_lib "${sdk[ort]}/lib/libonnxruntime.so.1"
      [[ -f "${sdk[ort]}/LICENSE" ]] && cp "${sdk[ort]}/LICENSE" "$root/licenses/onnxruntime-LICENSE"
      ;;
    executorch)
      for l in libexecutorch.so libexecutorch_kernels_optimized.so libexecutorch_threadpool.so libexecutorch_backend_xnnpack.so; do
        copy_lib "${sdk[executorch]}/lib/$l"
      done
      ;;
    openvino)
      # The core, the ARM CPU plugin, AUTO/HETERO (device selection), the IR and ONNX frontends
      # (.xml/.onnx models), oneTBB + hwloc. Not the TF/TFLite/PaddlePaddle/PyTorch/JAX/GGUF frontends.
      ovl="${sdk[openvino]}/libs"
      for l in libopenvino.so.* libopenvino_arm_cpu_plugin.so libopenvino_auto_plugin.so libopenvino_hetero_plugin.so \
        libopenvino_auto_batch_plugin.so libopenvino_ir_frontend.so.* libopenvino_onnx_frontend.so.* \
        libtbb.so.* libtbbmalloc.so.* libtbbbind_2_5.so.* libhwloc.so.*; do
        for f in "$ovl"/$l; do [[ -e "$f" ]] && copy_lib "$f"; done
      done
      ;;
    litert)
      copy_lib "${sdk[litert]}/lib/libtensorflowlite_c.so"
      [[ -f "${sdk[litert]}/HEADERS-COPYRIGHT" ]] && cp "${sdk[litert]}/HEADERS-COPYRIGHT" "$root/licenses/tensorflow-lite-headers-COPYRIGHT"
      ;;
  esac
done
# Every ELF finds its neighbours in lib/, and nothing from the build machine.
patchelf --set-rpath '$ORIGIN/../lib' "$root/bin/smartcamrt"
for f in "$root"/lib/*; do
  [[ -L "$f" ]] && continue
  patchelf --set-rpath '$ORIGIN' "$f"
done

# Models: each with its manifest (found before the build, above); SHA256SUMS over both.
for m in "${models[@]}"; do
  src="$m"
  [[ -f "$src" ]] || src="$home/models/$m"
  python3 - "$src" <<'EOF' || die "model '$src': the manifest's sha256 does not match the file"
import hashlib, json, sys
path = sys.argv[1]
manifest = json.load(open(path + ".json"))
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
sys.exit(0 if manifest.get("sha256") == digest else 1)
EOF
  install -m 644 "$src" "$src.json" "$root/models/"
  # OpenVINO IR carries its weights beside the graph.
  [[ "$src" == *.xml && -f "${src%.xml}.bin" ]] && install -m 644 "${src%.xml}.bin" "$root/models/"
done
(cd "$root/models" && sha256sum -- * >SHA256SUMS)

# Deployment files.
install -m 644 deploy/raspberry-pi/smartcamrt.conf "$root/config/smartcamrt.conf"
install -m 644 deploy/raspberry-pi/smartcamrt.service "$root/systemd/smartcamrt.service"
install -m 755 deploy/raspberry-pi/smartcamrt-rotate-runs "$root/bin/smartcamrt-rotate-runs"
install -m 755 deploy/raspberry-pi/install.sh "$root/install.sh"
install -m 644 deploy/raspberry-pi/README.md "$root/README.md"
install -m 644 deploy/raspberry-pi/SYSTEM-PACKAGES.txt "$root/SYSTEM-PACKAGES.txt"

commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
dirty=false
[[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] && dirty=true
python3 - "$root/BUNDLE.json" <<EOF
import json, sys
json.dump({
    "name": "$name",
    "version": "$version",
    "target": "linux-aarch64 (Raspberry Pi OS bookworm 64-bit / Debian 12 arm64)",
    "march": "$(cache_get SMARTCAMRT_AARCH64_MARCH || true)" or "armv8-a+crc",
    "mtune": "cortex-a72",
    "compiler": "$(aarch64-linux-gnu-g++ -dumpfullversion) (Debian crossbuild-essential-arm64)",
    "git_commit": "$commit",
    "git_dirty": $( [[ $dirty == true ]] && echo True || echo False ),
    "backends_built": "${built[*]}".split(),
    "runtimes_bundled": "${bundled[*]}".split(),
    "sdks": {k: v for k, v in {
        "ort": "$(cat "${sdk[ort]}/SOURCES.txt" 2>/dev/null | tr '\n' ';')",
        "executorch": "$( [[ -n "${sdk[executorch]:-}" ]] && cat "$(dirname "${sdk[executorch]}")/WHEEL.txt")",
        "openvino": "$( [[ -n "${sdk[openvino]:-}" ]] && cat "$(dirname "${sdk[openvino]}")/WHEEL.txt")",
        "litert": "$( [[ -n "${sdk[litert]:-}" ]] && cat "${sdk[litert]}/SOURCES.txt" 2>/dev/null | tr '\n' ';')",
    }.items() if v},
    "system_packages": [l.strip() for l in open("deploy/raspberry-pi/SYSTEM-PACKAGES.txt")
                        if l.strip() and not l.startswith("#")],
    "models": sorted("${models[*]}".split()),
}, open(sys.argv[1], "w"), indent=2)
EOF

# 4. Checks that need no emulator: GLIBC bound, architecture, RUNPATH ----------------------------------
bash scripts/deploy/check-glibc.sh --max 2.36 "$root" >&2 || die "the bundle needs a newer glibc than Raspberry Pi OS bookworm has"

# 5. Pack ----------------------------------------------------------------------------------------------
tarball="$out/$name.tar.gz"
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$tarball.tmp" "$name"
mv "$tarball.tmp" "$tarball"
say "bundle: $tarball ($(du -h "$tarball" | cut -f1); unpacked $(du -sh "$root" | cut -f1))"
echo "$tarball"
