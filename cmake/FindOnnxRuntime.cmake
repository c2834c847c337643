# Finds an ONNX Runtime C/C++ SDK in the official release layout (include/, lib/).
#   ONNXRUNTIME_ROOT  the SDK folder; default: the newest .deps/onnxruntime-linux-<arch>-* that
#                     scripts/fetch-ort-sdk.sh assembles.
# Defines OnnxRuntime_FOUND, OnnxRuntime_VERSION and the imported target onnxruntime::onnxruntime.
if(NOT ONNXRUNTIME_ROOT AND DEFINED ENV{ONNXRUNTIME_ROOT})
  set(ONNXRUNTIME_ROOT "$ENV{ONNXRUNTIME_ROOT}")
endif()
if(NOT ONNXRUNTIME_ROOT)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(_ort_arch arm64)
  else()
    set(_ort_arch x64)
  endif()
  file(GLOB _ort_candidates "${PROJECT_SOURCE_DIR}/.deps/onnxruntime-linux-${_ort_arch}-*")
  if(_ort_candidates)
    list(SORT _ort_candidates COMPARE NATURAL ORDER DESCENDING)
    list(GET _ort_candidates 0 ONNXRUNTIME_ROOT)
  endif()
endif()
set(ONNXRUNTIME_ROOT "${ONNXRUNTIME_ROOT}" CACHE PATH "ONNX Runtime SDK folder (include/, lib/)")

find_path(OnnxRuntime_INCLUDE_DIR onnxruntime_cxx_api.h
  HINTS "${ONNXRUNTIME_ROOT}/include" "${ONNXRUNTIME_ROOT}/include/onnxruntime" NO_DEFAULT_PATH)
find_library(OnnxRuntime_LIBRARY NAMES onnxruntime libonnxruntime.so.1
  HINTS "${ONNXRUNTIME_ROOT}/lib" NO_DEFAULT_PATH)
if(EXISTS "${ONNXRUNTIME_ROOT}/VERSION_NUMBER")
  file(STRINGS "${ONNXRUNTIME_ROOT}/VERSION_NUMBER" OnnxRuntime_VERSION LIMIT_COUNT 1)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRuntime REQUIRED_VARS OnnxRuntime_LIBRARY OnnxRuntime_INCLUDE_DIR
  VERSION_VAR OnnxRuntime_VERSION)

if(OnnxRuntime_FOUND AND NOT TARGET onnxruntime::onnxruntime)
  add_library(onnxruntime::onnxruntime SHARED IMPORTED)
  set_target_properties(onnxruntime::onnxruntime PROPERTIES
    IMPORTED_LOCATION "${OnnxRuntime_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${OnnxRuntime_INCLUDE_DIR}")
  get_filename_component(OnnxRuntime_LIBRARY_DIR "${OnnxRuntime_LIBRARY}" DIRECTORY)
endif()
