# Finds the chosen dependencies and gathers them in one interface target,
# ds_deps. A missing one stops the configure step with the Debian package to
# install, because "package not found" alone helps nobody.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

add_library(ds_deps INTERFACE)

# ds_lazy_lib(module library include-dirs): compile against the headers only;
# the library is dlopen()ed on first use (src/io/lazylib.h) by the SONAME
# passed as DS_<MODULE>_SONAME.
function(ds_lazy_lib module lib incdirs)
  target_include_directories(ds_deps INTERFACE $<BUILD_INTERFACE:${incdirs}>)
  execute_process(COMMAND readelf -d ${lib} OUTPUT_VARIABLE dyn ERROR_QUIET)
  if(dyn MATCHES "Library soname: \\[([^]]+)\\]")
    set(soname ${CMAKE_MATCH_1})
  else()
    get_filename_component(soname ${lib} REALPATH)
    get_filename_component(soname ${soname} NAME)
  endif()
  string(TOUPPER ${module} upper)
  target_compile_definitions(ds_deps INTERFACE DS_${upper}_SONAME="${soname}")
  target_link_libraries(ds_deps INTERFACE ${CMAKE_DL_LIBS})
  message(STATUS "${module}: loaded on first use from ${soname}")
endfunction()

# ds_require_pkg(module debian-package [LAZY])
# LAZY: as ds_lazy_lib above; the library stays out of dumpscan.pc.
function(ds_require_pkg module debian_pkg)
  pkg_check_modules(DS_${module} QUIET IMPORTED_TARGET ${module})
  if(NOT DS_${module}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${debian_pkg}")
  endif()
  if("${ARGN}" STREQUAL "LAZY")
    list(GET DS_${module}_LINK_LIBRARIES 0 lib)
    ds_lazy_lib(${module} ${lib} "${DS_${module}_INCLUDE_DIRS}")
    return()
  endif()
  target_link_libraries(ds_deps INTERFACE PkgConfig::DS_${module})
  # Remembered for dumpscan.pc (Requires.private) and dumpscanConfig.cmake.
  set_property(GLOBAL APPEND PROPERTY DS_PKG_MODULES ${module})
endfunction()

# capstone validates scanned frames only: its ~81,000 relocations would cost
# every run more start-up time than a whole triage analysis, so it is lazy.
ds_require_pkg(capstone libcapstone-dev LAZY)
ds_require_pkg(jansson libjansson-dev)
ds_require_pkg(zlib zlib1g-dev)
# libelf and libdwarf: only ELF symbol files (Linux minidumps) use them
# (src/symbols/elf_lazy.h), so they are lazy too.
ds_require_pkg(libelf libelf-dev LAZY)
# SQLite: only --db runs use it (src/report/sqlite_lazy.h), so it is lazy too.
ds_require_pkg(sqlite3 libsqlite3-dev LAZY)

# Debian 12's libdwarf-dev ships no .pc file: look for the header and library.
pkg_check_modules(DS_libdwarf QUIET IMPORTED_TARGET libdwarf)
if(DS_libdwarf_FOUND)
  list(GET DS_libdwarf_LINK_LIBRARIES 0 LIBDWARF_LIBRARY)
  set(LIBDWARF_INCLUDE_DIR ${DS_libdwarf_INCLUDE_DIRS})
else()
  find_path(LIBDWARF_INCLUDE_DIR libdwarf.h PATH_SUFFIXES libdwarf libdwarf-0)
  find_library(LIBDWARF_LIBRARY dwarf)
  if(NOT LIBDWARF_INCLUDE_DIR OR NOT LIBDWARF_LIBRARY)
    message(FATAL_ERROR "libdwarf not found: apt-get install libdwarf-dev")
  endif()
endif()
ds_lazy_lib(libdwarf ${LIBDWARF_LIBRARY} "${LIBDWARF_INCLUDE_DIR}")

find_package(Threads REQUIRED)
target_link_libraries(ds_deps INTERFACE Threads::Threads)
set_property(GLOBAL APPEND PROPERTY DS_PC_LIBS_PRIVATE ${CMAKE_THREAD_LIBS_INIT})

# libcurl: only its headers at build time. src/symbols/symsrv.c loads
# libcurl.so.4 with dlopen the first time a symbol server is asked, so runs
# without a server in the symbol path never pay for loading it.
pkg_check_modules(DS_libcurl QUIET libcurl)
if(NOT DS_libcurl_FOUND)
  message(FATAL_ERROR "libcurl not found: apt-get install libcurl4-openssl-dev")
endif()
target_include_directories(ds_deps INTERFACE $<BUILD_INTERFACE:${DS_libcurl_INCLUDE_DIRS}>)
target_link_libraries(ds_deps INTERFACE ${CMAKE_DL_LIBS})
if(CMAKE_DL_LIBS)
  set_property(GLOBAL APPEND PROPERTY DS_PC_LIBS_PRIVATE -l${CMAKE_DL_LIBS})
endif()
