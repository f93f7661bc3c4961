# Imported targets of libzmq-rs's install, named as libzmq 4.3.5's CMake
# install names them: libzmq (shared) and libzmq-static. Relocatable: paths
# are found from this file's place, <prefix>/lib/cmake/ZeroMQ.

if(CMAKE_VERSION VERSION_LESS 3.0)
  message(FATAL_ERROR "CMake >= 3.0 required")
endif()

get_filename_component(_IMPORT_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(NOT TARGET libzmq)
  add_library(libzmq SHARED IMPORTED)
  set_target_properties(libzmq PROPERTIES
    IMPORTED_LOCATION "${_IMPORT_PREFIX}/lib/libzmq.so.@SOVER@"
    IMPORTED_SONAME "libzmq.so.5"
    INTERFACE_INCLUDE_DIRECTORIES "${_IMPORT_PREFIX}/include")
endif()

if(NOT TARGET libzmq-static)
  add_library(libzmq-static STATIC IMPORTED)
  # The system libraries the Rust static library needs (`cargo rustc -- --print
  # native-static-libs`; the same list as libzmq.pc's Libs.private).
  set_target_properties(libzmq-static PROPERTIES
    IMPORTED_LOCATION "${_IMPORT_PREFIX}/lib/libzmq.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_COMPILE_DEFINITIONS "ZMQ_STATIC"
    INTERFACE_INCLUDE_DIRECTORIES "${_IMPORT_PREFIX}/include"
    INTERFACE_LINK_LIBRARIES "gcc_s;util;rt;pthread;m;dl;c")
endif()

unset(_IMPORT_PREFIX)
