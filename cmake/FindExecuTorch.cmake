# Finds the ExecuTorch C++ runtime that the `executorch` Python wheel ships (1.5 and later carry
# include/, lib/libexecutorch*.so and a CMake package config; 1.4 and earlier ship only the Python
# extension, which cannot be linked into a C++ program). See docs/runtimes/executorch.md.
#   EXECUTORCH_ROOT  the wheel's package folder (<venv>/lib/python3.X/site-packages/executorch);
#                    default: the one in the project's .venv (scripts/setup.sh installs it there).
# Defines ExecuTorch_FOUND, ExecuTorch_VERSION (e.g. 1.5.1+cpu), ExecuTorch_LIBRARY_DIR,
# ExecuTorch_HAS_XNNPACK, and the imported target ExecuTorch::ExecuTorch: the runtime (program
# loader, Module API, data loaders), the CPU kernels (optimized + portable), the XNNPACK delegate and
# the shared thread pool, with the definitions and C++ standard the shipped headers need.
#
# Why not find_package(executorch CONFIG) from the wheel: its imported targets need CMake >= 3.28
# ($ORIGIN quoting); on older CMake (Debian 12 has 3.25) it only offers variables, and its library
# list also pulls the OpenVINO delegate. This module builds the same link line on any CMake >= 3.22
# and links only the components the engine uses.
if(NOT EXECUTORCH_ROOT AND DEFINED ENV{EXECUTORCH_ROOT})
  set(EXECUTORCH_ROOT "$ENV{EXECUTORCH_ROOT}")
endif()
if(NOT EXECUTORCH_ROOT)
  file(GLOB _et_candidates "${PROJECT_SOURCE_DIR}/.venv/lib/python3*/site-packages/executorch")
  if(_et_candidates)
    list(SORT _et_candidates COMPARE NATURAL ORDER DESCENDING)
    list(GET _et_candidates 0 EXECUTORCH_ROOT)
  endif()
endif()
set(EXECUTORCH_ROOT "${EXECUTORCH_ROOT}" CACHE PATH "ExecuTorch package folder from the executorch wheel (include/, lib/)")

find_path(ExecuTorch_INCLUDE_DIR executorch/extension/module/module.h
  HINTS "${EXECUTORCH_ROOT}/include" NO_DEFAULT_PATH)
# The vendored c10 headers (runtime/core/array_ref.h includes c10 unconditionally).
find_path(ExecuTorch_C10_INCLUDE_DIR c10/macros/Macros.h
  HINTS "${EXECUTORCH_ROOT}/include/executorch/runtime/core/portable_type/c10" NO_DEFAULT_PATH)
find_library(ExecuTorch_LIBRARY NAMES executorch HINTS "${EXECUTORCH_ROOT}/lib" NO_DEFAULT_PATH)
find_library(ExecuTorch_KERNELS_LIBRARY NAMES executorch_kernels_optimized HINTS "${EXECUTORCH_ROOT}/lib" NO_DEFAULT_PATH)
find_library(ExecuTorch_THREADPOOL_LIBRARY NAMES executorch_threadpool HINTS "${EXECUTORCH_ROOT}/lib" NO_DEFAULT_PATH)
find_library(ExecuTorch_XNNPACK_LIBRARY NAMES executorch_backend_xnnpack HINTS "${EXECUTORCH_ROOT}/lib" NO_DEFAULT_PATH)
mark_as_advanced(ExecuTorch_INCLUDE_DIR ExecuTorch_C10_INCLUDE_DIR ExecuTorch_LIBRARY ExecuTorch_KERNELS_LIBRARY
  ExecuTorch_THREADPOOL_LIBRARY ExecuTorch_XNNPACK_LIBRARY)

# The full build version (with the local label, e.g. 1.5.1+cpu) from the wheel's package config.
set(ExecuTorch_VERSION "")
if(EXISTS "${EXECUTORCH_ROOT}/share/cmake/executorch-config-version.cmake")
  file(STRINGS "${EXECUTORCH_ROOT}/share/cmake/executorch-config-version.cmake" _et_version_line
    REGEX "^set\\(EXECUTORCH_BUILD_VERSION")
  if(_et_version_line MATCHES "\"([^\"]+)\"")
    set(ExecuTorch_VERSION "${CMAKE_MATCH_1}")
  endif()
endif()
if(NOT ExecuTorch_VERSION AND EXISTS "${EXECUTORCH_ROOT}/version.py")
  file(STRINGS "${EXECUTORCH_ROOT}/version.py" _et_version_line REGEX "^__version__")
  if(_et_version_line MATCHES "\"([^\"]+)\"")
    set(ExecuTorch_VERSION "${CMAKE_MATCH_1}")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ExecuTorch
  REQUIRED_VARS ExecuTorch_LIBRARY ExecuTorch_KERNELS_LIBRARY ExecuTorch_THREADPOOL_LIBRARY ExecuTorch_INCLUDE_DIR
                ExecuTorch_C10_INCLUDE_DIR
  VERSION_VAR ExecuTorch_VERSION
  REASON_FAILURE_MESSAGE "EXECUTORCH_ROOT='${EXECUTORCH_ROOT}' holds no C++ runtime (needs the executorch wheel >= 1.5: include/ and lib/libexecutorch*.so)")

if(ExecuTorch_FOUND AND NOT TARGET ExecuTorch::ExecuTorch)
  get_filename_component(ExecuTorch_LIBRARY_DIR "${ExecuTorch_LIBRARY}" DIRECTORY)
  set(ExecuTorch_HAS_XNNPACK FALSE)
  if(ExecuTorch_XNNPACK_LIBRARY)
    set(ExecuTorch_HAS_XNNPACK TRUE)
  endif()
  # The kernel and delegate libraries only register themselves from static initialisers: nothing
  # references their symbols, so --as-needed would drop them and a model would then fail with
  # "Missing operator" / "backend not registered". Keep them with --no-as-needed, as the wheel's own
  # package config does.
  set(_et_registration_libs "${ExecuTorch_KERNELS_LIBRARY}")
  if(ExecuTorch_HAS_XNNPACK)
    list(APPEND _et_registration_libs "${ExecuTorch_XNNPACK_LIBRARY}")
  endif()
  set(_et_link "${ExecuTorch_THREADPOOL_LIBRARY}")
  foreach(_et_lib IN LISTS _et_registration_libs)
    # One item per library: CMake de-duplicates repeated flags, which would unbalance separate ones.
    list(APPEND _et_link "-Wl,--push-state,--no-as-needed,${_et_lib},--pop-state")
  endforeach()

  add_library(ExecuTorch::ExecuTorch SHARED IMPORTED)
  set_target_properties(ExecuTorch::ExecuTorch PROPERTIES
    IMPORTED_LOCATION "${ExecuTorch_LIBRARY}"
    # SYSTEM: the ExecuTorch and c10 headers are third-party and do not build under our warnings.
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${ExecuTorch_INCLUDE_DIR};${ExecuTorch_C10_INCLUDE_DIR}"
    INTERFACE_INCLUDE_DIRECTORIES "${ExecuTorch_INCLUDE_DIR};${ExecuTorch_C10_INCLUDE_DIR}"
    # The same definitions the wheel's package config gives its targets. C10_USING_CUSTOM_GENERATED_MACROS:
    # the c10 headers otherwise want a header generated inside a PyTorch build. ET_EVENT_TRACER_ENABLED:
    # the libraries are built with it and it changes class layouts. ET_USE_THREADPOOL: the thread pool
    # library is present.
    INTERFACE_COMPILE_DEFINITIONS "C10_USING_CUSTOM_GENERATED_MACROS;ET_EVENT_TRACER_ENABLED;ET_USE_THREADPOOL"
    INTERFACE_COMPILE_FEATURES cxx_std_17
    INTERFACE_LINK_LIBRARIES "${_et_link}")
endif()
