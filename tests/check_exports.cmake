# The shared library exports exactly what include/dumpscan/ declares DS_API:
#   cmake -DLIB=libdumpscan.so -DHEADERS=include/dumpscan -P check_exports.cmake
# Anything else exported is an internal leaking into the ABI; anything
# declared but not exported is a broken promise (usually a missing DS_API).
execute_process(COMMAND nm -D --defined-only ${LIB}
                OUTPUT_VARIABLE nm_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -D failed on ${LIB}")
endif()
string(REGEX MATCHALL "[^\n]+" nm_lines "${nm_out}")
set(exported "")
foreach(line ${nm_lines})
  string(REGEX REPLACE "^.* " "" name "${line}")
  # the toolchain's own symbols, and the sanitizers' in a sanitized build
  if(name MATCHES "^(_init|_fini|_edata|_end|__bss_start)$" OR
     name MATCHES "^__(odr_asan|asan|ubsan|sanitizer|lsan)")
    continue()
  endif()
  list(APPEND exported ${name})
endforeach()

file(GLOB headers ${HEADERS}/*.h)
set(declared "")
set(undecorated "")
foreach(h ${headers})
  file(READ ${h} text)
  # a function declared at the start of a line without DS_API is a mistake:
  # hidden from the shared library, though the header promises it
  string(REGEX MATCHALL "\n[A-Za-z_][^\n;(#]*[ *](ds_[A-Za-z0-9_]+)[ ]*\\(" plain "${text}")
  foreach(d ${plain})
    if(NOT d MATCHES "DS_API" AND NOT d MATCHES "typedef")
      string(REGEX REPLACE ".*[ *](ds_[A-Za-z0-9_]+)[ ]*\\($" "\\1" name "${d}")
      list(APPEND undecorated ${name})
    endif()
  endforeach()
  string(REGEX MATCHALL "DS_API[^;(]*[ *](ds_[A-Za-z0-9_]+)[ ]*\\(" decls "${text}")
  foreach(d ${decls})
    string(REGEX REPLACE ".*[ *](ds_[A-Za-z0-9_]+)[ ]*\\($" "\\1" name "${d}")
    list(APPEND declared ${name})
  endforeach()
endforeach()

list(SORT exported)
list(SORT declared)
set(extra ${exported})
list(REMOVE_ITEM extra ${declared})
set(missing ${declared})
list(REMOVE_ITEM missing ${exported})
list(LENGTH exported n_exported)
list(LENGTH declared n_declared)
if(undecorated)
  message(FATAL_ERROR "declared in the public header without DS_API: ${undecorated}")
endif()
if(extra OR missing)
  message(FATAL_ERROR "exports differ from the DS_API declarations:\n"
          "  exported but not declared DS_API: ${extra}\n"
          "  declared DS_API but not exported (defined?): ${missing}")
endif()
message(STATUS "exports: ${n_exported} symbols, all declared DS_API (${n_declared})")
