#!/usr/bin/env bash
# Builds the engine's lean image and video I/O: OpenCV 4.6 with only core, imgproc, imgcodecs and videoio,
# on an FFmpeg with only the decoders, demuxers and protocols a camera engine uses, linked into
# libopencv_videoio. Sources are Debian bookworm's (the same versions as its libopencv-dev and FFmpeg
# packages), fetched with `apt-get source` under a temporary deb-src list: package registries only.
#
# Why (docs/benchmarks.md, "Engine overhead"): Debian's libopencv-imgcodecs and -videoio link GDAL,
# GStreamer and an FFmpeg with every codec library; a run maps ~250 shared libraries and its peak RSS
# carries ~50 MB of them. This build keeps what the engine reads and writes:
#   decoders  H.264, HEVC, MPEG-4 (DivX/Xvid, MS-MPEG4), H.263, MJPEG, MPEG-1/2, VP8, VP9, raw video
#   demuxers  MP4/MOV, AVI, Matroska/WebM, MPEG-TS, RTSP/RTP/SDP, raw H.264/HEVC/MJPEG, image sequences
#   encoders  MPEG-4 part 2 (the annotated segments, in Matroska), MJPEG; muxers Matroska, MP4/MOV, AVI
#   protocols file, pipe, TCP, UDP, RTP, HTTP (no TLS: https and rtsps are not built)
#   images    JPEG, PNG (Debian's libjpeg-turbo and libpng), BMP, PPM/PGM, HDR, Sun raster, PFM
#             (no TIFF, WebP, JPEG 2000, OpenEXR, GDAL); cameras through V4L2
#
# Usage: scripts/build-codecs.sh [DEST]
# Prints OpenCV's CMake package folder (for -DOpenCV_DIR) on its last line. Idempotent: a complete build
# is kept. DEST defaults to a folder keyed by this script's code (its lines without comments: a comment
# changes no build) under the user's cache ($SMARTCAMRT_DEPS_CACHE, else ~/.cache/smartcamrt/deps), so that
# clones on one machine share it; two setups at once build it once (a lock), the second waits.
# Takes ~12 minutes on 2 cores; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
key="$(grep -v '^[[:space:]]*#' "$here/build-codecs.sh" | sha256sum | cut -c1-12)"
cache="${SMARTCAMRT_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smartcamrt/deps}"
dest="${1:-$cache/codecs-$key}"
opencv_dir="$dest/lib/cmake/opencv4"
say() { printf 'build-codecs: %s\n' "$*" >&2; }
complete() { [[ -f "$dest/COMPLETE" && -f "$opencv_dir/OpenCVConfig.cmake" ]]; }

if complete; then
  echo "$opencv_dir"
  exit 0
fi
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
if ! flock -n 9; then
  say "another setup is building $dest: waiting for it"
  flock 9
fi
if complete; then # built while this one waited
  echo "$opencv_dir"
  exit 0
fi

for tool in apt-get dpkg-source cmake ninja nasm pkg-config make; do
  command -v "$tool" >/dev/null || { say "'$tool' is required (scripts/setup.sh installs it)"; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
jobs="$(nproc)"

say "sources of Debian bookworm's ffmpeg and opencv (apt-get source, a temporary deb-src list)"
mkdir -p "$work/apt/lists/partial" "$work/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
  >"$work/apt/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$work/apt/lists" -o "Debug::NoLocking=1")
apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 || {
  say "apt-get update (deb-src bookworm) failed (offline?): $(tail -1 "$work/apt.log")"
  exit 1
}
(cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only ffmpeg opencv >>"$work/apt.log" 2>&1) || {
  say "apt-get source ffmpeg opencv failed: $(tail -1 "$work/apt.log")"
  exit 1
}
# With Debian's patches, as its packages are built (OpenCV 4.6 needs one to build against FFmpeg 5.1).
# --no-check: apt-get source has checked every file against the signed Sources index already.
for package in ffmpeg opencv; do
  dsc="$(ls "$work"/src/"$package"_*.dsc | head -1)"
  dpkg-source --no-check -x "$dsc" "$work/$package" >>"$work/apt.log" 2>&1 || {
    say "dpkg-source -x $(basename "$dsc") failed: $(tail -1 "$work/apt.log")"
    exit 1
  }
done
ffmpeg_src="$work/ffmpeg" opencv_src="$work/opencv"
ffmpeg_version="$(basename "$(ls "$work"/src/ffmpeg_*.dsc | head -1)" .dsc)"
opencv_version="$(basename "$(ls "$work"/src/opencv_*.dsc | head -1)" .dsc)"

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
say "FFmpeg $ffmpeg_version: configure and build (static, position-independent; ~2 min)"
(cd "$ffmpeg_src" && ./configure --prefix="$work/ffmpeg-install" --enable-pic --enable-static --disable-shared \
  --disable-programs --disable-doc --disable-autodetect --disable-everything \
  --disable-avdevice --disable-avfilter --disable-postproc \
  --enable-avcodec --enable-avformat --enable-swscale --enable-swresample --enable-network \
  --enable-decoder=h264,hevc,mpeg4,msmpeg4v1,msmpeg4v2,msmpeg4v3,h263,mjpeg,mpeg1video,mpeg2video,vp8,vp9,rawvideo \
  --enable-encoder=mpeg4,mjpeg,rawvideo \
  --enable-demuxer=mov,avi,matroska,mpegts,rtsp,rtp,sdp,h264,hevc,mjpeg,rawvideo,image2 \
  --enable-muxer=matroska,mp4,mov,avi \
  --enable-parser=h264,hevc,mpeg4video,mjpeg,mpegvideo,vp8,vp9,h263 \
  --enable-bsf=h264_mp4toannexb,hevc_mp4toannexb,mpeg4_unpack_bframes \
  --enable-protocol=file,pipe,tcp,udp,rtp,http >"$work/ffmpeg-configure.log" 2>&1 &&
  make -j "$jobs" >"$work/ffmpeg-build.log" 2>&1 && make install >>"$work/ffmpeg-build.log" 2>&1) || {
  tail -n 20 "$work"/ffmpeg-*.log >&2
  say "FFmpeg build failed"
  exit 1
}

# -Bsymbolic: FFmpeg's x86 swscale refers to its constants from inline assembly, which links into a
# shared object only with the library's own symbols bound locally (FFmpeg links its own .so files so).
say "OpenCV $opencv_version: core, imgproc, imgcodecs, videoio (~10 min)"
PKG_CONFIG_PATH="$work/ffmpeg-install/lib/pkgconfig" cmake -S "$opencv_src" -B "$work/opencv-build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$dest.tmp" -DCMAKE_INSTALL_RPATH="$dest/lib" \
  -DCMAKE_SHARED_LINKER_FLAGS=-Wl,-Bsymbolic \
  -DBUILD_LIST=core,imgproc,imgcodecs,videoio -DBUILD_SHARED_LIBS=ON \
  -DWITH_FFMPEG=ON -DOPENCV_FFMPEG_USE_FIND_PACKAGE=OFF -DWITH_V4L=ON \
  -DWITH_JPEG=ON -DWITH_PNG=ON -DBUILD_ZLIB=OFF -DBUILD_JPEG=OFF -DBUILD_PNG=OFF -DWITH_IMGCODEC_HDR=ON \
  -DWITH_GSTREAMER=OFF -DWITH_GDAL=OFF -DWITH_GDCM=OFF -DWITH_TIFF=OFF -DWITH_WEBP=OFF -DWITH_OPENJPEG=OFF \
  -DWITH_JASPER=OFF -DWITH_OPENEXR=OFF -DWITH_AVIF=OFF -DWITH_1394=OFF -DWITH_VA=OFF -DWITH_VA_INTEL=OFF \
  -DWITH_OPENCL=OFF -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_TBB=OFF -DWITH_OPENMP=OFF -DWITH_PROTOBUF=OFF \
  -DWITH_QUIRC=OFF -DWITH_LAPACK=OFF -DWITH_EIGEN=OFF -DWITH_GTK=OFF -DWITH_QT=OFF -DWITH_ADE=OFF \
  -DWITH_OPENVX=OFF -DWITH_CUDA=OFF -DWITH_VTK=OFF -DWITH_ONNX=OFF -DWITH_HALIDE=OFF \
  -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_JAVA=OFF \
  -DBUILD_opencv_python3=OFF -DBUILD_opencv_python2=OFF -DBUILD_DOCS=OFF -DOPENCV_GENERATE_PKGCONFIG=OFF \
  >"$work/opencv-configure.log" 2>&1 || {
  tail -n 20 "$work/opencv-configure.log" >&2
  say "OpenCV configure failed"
  exit 1
}
grep -q "FFMPEG: *YES" "$work/opencv-configure.log" || { say "OpenCV did not find the FFmpeg just built"; exit 1; }
# Ninja's [n/N] lines, thinned to one in 20, are the progress.
if ! ninja -C "$work/opencv-build" -j "$jobs" install 2>&1 | tee "$work/opencv-build.log" |
  awk '/^\[[0-9]+\/[0-9]+\]/ { n++; if (n % 20 == 0) { print "build-codecs: opencv " $1; fflush() } }' >&2; then
  tail -n 20 "$work/opencv-build.log" >&2
  say "OpenCV build failed"
  exit 1
fi
printf 'ffmpeg: %s\nopencv: %s\nsources: Debian bookworm (apt-get source, Debian patches applied)\nscript: build-codecs.sh %s\n' \
  "$ffmpeg_version" "$opencv_version" "$key" >"$dest.tmp/SOURCES.txt"
touch "$dest.tmp/COMPLETE"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$opencv_dir"
