# Finds a LiteRT (TensorFlow Lite) C API SDK folder: include/tensorflow/lite/core/c/c_api.h and
# lib/libtensorflowlite_c.so (the layout scripts/fetch-litert.sh assembles; an official
# libtensorflowlite_c build laid out the same way works too).
#   LITERT_ROOT  the SDK folder; default: the newest .deps/litert-<arch>-* that scripts/fetch-litert.sh
#                assembles.
# Defines LiteRT_FOUND, LiteRT_VERSION, LiteRT_LIBRARY (the shared library's full path) and the imported
# target LiteRT::headers (headers only: the engine dlopen()s LiteRT_LIBRARY, see litert_backend.cpp).
if(NOT LITERT_ROOT AND DEFINED ENV{LITERT_ROOT})
  set(LITERT_ROOT "$ENV{LITERT_ROOT}")
endif()
if(NOT LITERT_ROOT)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(_litert_arch arm64)
  else()
    set(_litert_arch x64)
  endif()
  file(GLOB _litert_candidates "${PROJECT_SOURCE_DIR}/.deps/litert-${_litert_arch}-*")
  if(_litert_candidates)
    list(SORT _litert_candidates COMPARE NATURAL ORDER DESCENDING)
    list(GET _litert_candidates 0 LITERT_ROOT)
  endif()
endif()
set(LITERT_ROOT "${LITERT_ROOT}" CACHE PATH "LiteRT/TFLite C API SDK folder (include/, lib/)")

find_path(LiteRT_INCLUDE_DIR tensorflow/lite/core/c/c_api.h HINTS "${LITERT_ROOT}/include" NO_DEFAULT_PATH)
find_library(LiteRT_LIBRARY NAMES tensorflowlite_c HINTS "${LITERT_ROOT}/lib" NO_DEFAULT_PATH)
if(EXISTS "${LITERT_ROOT}/VERSION_NUMBER")
  file(STRINGS "${LITERT_ROOT}/VERSION_NUMBER" LiteRT_VERSION LIMIT_COUNT 1)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LiteRT REQUIRED_VARS LiteRT_LIBRARY LiteRT_INCLUDE_DIR VERSION_VAR LiteRT_VERSION)

if(LiteRT_FOUND AND NOT TARGET LiteRT::headers)
  add_library(LiteRT::headers INTERFACE IMPORTED)
  # SYSTEM: the TFLite headers are not held to the engine's warning flags.
  set_target_properties(LiteRT::headers PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${LiteRT_INCLUDE_DIR}"
    INTERFACE_INCLUDE_DIRECTORIES "${LiteRT_INCLUDE_DIR}")
endif()
