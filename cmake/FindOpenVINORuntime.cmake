# Finds the OpenVINO C++ runtime that the `openvino` Python wheel ships: site-packages/openvino/ holds
# libs/libopenvino.so.*, include/ and a CMake package config in cmake/ (see docs/runtimes/openvino.md).
#   OPENVINO_ROOT  a folder holding the OpenVINO package config (OpenVINOConfig.cmake): the wheel's
#                  cmake/ folder, or an archive install's runtime/cmake; default: the wheel in the
#                  project's .venv (scripts/setup.sh installs it there).
# Defines OpenVINORuntime_FOUND, OpenVINORuntime_VERSION, OpenVINORuntime_LIBRARY_DIR and the imported
# target openvino::runtime (from OpenVINO's own package config).
if(NOT OPENVINO_ROOT AND DEFINED ENV{OPENVINO_ROOT})
  set(OPENVINO_ROOT "$ENV{OPENVINO_ROOT}")
endif()
if(NOT OPENVINO_ROOT)
  file(GLOB _ov_candidates "${PROJECT_SOURCE_DIR}/.venv/lib/python3*/site-packages/openvino/cmake")
  if(_ov_candidates)
    list(SORT _ov_candidates COMPARE NATURAL ORDER DESCENDING)
    list(GET _ov_candidates 0 OPENVINO_ROOT)
  endif()
endif()
set(OPENVINO_ROOT "${OPENVINO_ROOT}" CACHE PATH "Folder holding OpenVINOConfig.cmake (the openvino wheel's cmake/ folder)")

set(OpenVINORuntime_VERSION "")
if(OPENVINO_ROOT)
  # Only the runtime: the frontends (ONNX, TF, PaddlePaddle...) are loaded by the runtime on demand.
  find_package(OpenVINO CONFIG QUIET COMPONENTS Runtime PATHS "${OPENVINO_ROOT}" NO_DEFAULT_PATH)
  if(OpenVINO_FOUND)
    set(OpenVINORuntime_VERSION "${OpenVINO_VERSION}")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenVINORuntime
  REQUIRED_VARS OPENVINO_ROOT OpenVINO_FOUND
  VERSION_VAR OpenVINORuntime_VERSION
  REASON_FAILURE_MESSAGE "OPENVINO_ROOT='${OPENVINO_ROOT}' holds no OpenVINO package config (install the openvino wheel: scripts/setup.sh)")

if(OpenVINORuntime_FOUND)
  get_target_property(_ov_location openvino::runtime IMPORTED_LOCATION_RELEASE)
  get_filename_component(OpenVINORuntime_LIBRARY_DIR "${_ov_location}" DIRECTORY)
endif()
