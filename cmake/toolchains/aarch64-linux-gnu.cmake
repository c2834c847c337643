# Cross-compiles SmartCamRT for 64-bit Linux on Arm (Raspberry Pi 4/5 with Raspberry Pi OS bookworm
# 64-bit, or any Debian 12 arm64) with Debian 12's crossbuild-essential-arm64 (GCC 12).
#
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# Target ISA: -march=armv8-a (+crc, which every Armv8 core in a Pi has). A Raspberry Pi 4's Cortex-A72
# is Armv8.0-A: no LSE atomics (-moutline-atomics, GCC 12's default on aarch64, picks LSE at run time
# where present), no dot product, no fp16 arithmetic. Code built this way also runs on a Pi 5
# (Cortex-A76, Armv8.2-A); the runtimes' own kernels (ONNX Runtime/MLAS, XNNPACK, ACL) detect dotprod
# and fp16 at run time. -mtune=cortex-a72 only schedules.
#
#   SMARTCAMRT_AARCH64_SYSROOT  the arm64 sysroot (default: <repo>/.deps/sysroot-aarch64-bookworm,
#                               made by scripts/deploy/sysroot.sh: Debian bookworm arm64 packages
#                               unpacked, not installed; see that script for why not multiarch).
#   SMARTCAMRT_AARCH64_MARCH    the -march value (default armv8-a+crc).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

get_filename_component(_smartcamrt_repo "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
if(NOT SMARTCAMRT_AARCH64_SYSROOT)
  if(DEFINED ENV{SMARTCAMRT_AARCH64_SYSROOT})
    set(SMARTCAMRT_AARCH64_SYSROOT "$ENV{SMARTCAMRT_AARCH64_SYSROOT}")
  else()
    set(SMARTCAMRT_AARCH64_SYSROOT "${_smartcamrt_repo}/.deps/sysroot-aarch64-bookworm")
  endif()
endif()
if(NOT EXISTS "${SMARTCAMRT_AARCH64_SYSROOT}/usr/include/aarch64-linux-gnu")
  message(FATAL_ERROR "No arm64 sysroot at '${SMARTCAMRT_AARCH64_SYSROOT}': run scripts/deploy/sysroot.sh "
                      "(or set SMARTCAMRT_AARCH64_SYSROOT)")
endif()
# Try-compile projects get the same settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SMARTCAMRT_AARCH64_SYSROOT SMARTCAMRT_AARCH64_MARCH)

set(CMAKE_SYSROOT "${SMARTCAMRT_AARCH64_SYSROOT}")
# Debian's cross g++ looks for the C++ standard headers under its own prefix
# (/usr/aarch64-linux-gnu/include/c++/12, re-rooted into the sysroot, where they are not); the
# sysroot has them in the multiarch layout of libstdc++-12-dev:arm64.
set(_smartcamrt_cxx_includes
  "${SMARTCAMRT_AARCH64_SYSROOT}/usr/include/c++/12"
  "${SMARTCAMRT_AARCH64_SYSROOT}/usr/include/aarch64-linux-gnu/c++/12"
  "${SMARTCAMRT_AARCH64_SYSROOT}/usr/include/c++/12/backward")
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES ${_smartcamrt_cxx_includes})

if(NOT SMARTCAMRT_AARCH64_MARCH)
  set(SMARTCAMRT_AARCH64_MARCH "armv8-a+crc")
endif()
set(CMAKE_C_FLAGS_INIT "-march=${SMARTCAMRT_AARCH64_MARCH} -mtune=cortex-a72")
set(CMAKE_CXX_FLAGS_INIT "-march=${SMARTCAMRT_AARCH64_MARCH} -mtune=cortex-a72")
# The sysroot's libraries depend on further libraries of the sysroot (OpenCV -> libtbb, libavcodec, ...):
# let the linker resolve those there, not on the (x86-64) host.
set(_smartcamrt_rpath_link
  "-Wl,-rpath-link,${SMARTCAMRT_AARCH64_SYSROOT}/usr/lib/aarch64-linux-gnu:${SMARTCAMRT_AARCH64_SYSROOT}/lib/aarch64-linux-gnu:${SMARTCAMRT_AARCH64_SYSROOT}/usr/lib")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_smartcamrt_rpath_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_smartcamrt_rpath_link}")

# Libraries, headers and packages from the sysroot, and from the project's .deps/ (the arm64 runtime
# SDKs: ONNX Runtime, ExecuTorch, OpenVINO, LiteRT), which lie outside it. A search path that is
# already under one of these roots is not re-rooted. Programs (pkg-config, python) from the host.
set(CMAKE_FIND_ROOT_PATH "${SMARTCAMRT_AARCH64_SYSROOT}" "${_smartcamrt_repo}/.deps")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (cpp-httplib) reads the sysroot's .pc files and prefixes their paths with it.
set(ENV{PKG_CONFIG_DIR} "")
set(ENV{PKG_CONFIG_LIBDIR}
  "${SMARTCAMRT_AARCH64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${SMARTCAMRT_AARCH64_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SMARTCAMRT_AARCH64_SYSROOT}")

# Tests and helper programs built for aarch64 run under qemu (Debian's qemu-user-static) through
# scripts/deploy/qemu-aarch64.sh: -cpu cortex-a72, the sysroot as the loader's prefix, and a Pi 4
# /proc/cpuinfo (with the host's x86 one, ONNX Runtime's cpuinfo crashes at load under QEMU 7.2).
find_program(SMARTCAMRT_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(SMARTCAMRT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "env;SMARTCAMRT_AARCH64_SYSROOT=${SMARTCAMRT_AARCH64_SYSROOT};QEMU_AARCH64=${SMARTCAMRT_QEMU_AARCH64};${_smartcamrt_repo}/scripts/deploy/qemu-aarch64.sh")
endif()
