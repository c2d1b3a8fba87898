# SALON_SANITIZE="address;undefined" builds everything with those sanitizers; UB aborts the run.
if(SALON_SANITIZE)
  list(JOIN SALON_SANITIZE "," _salon_sanitizers)
  add_compile_options(-fsanitize=${_salon_sanitizers} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_salon_sanitizers})
  if("undefined" IN_LIST SALON_SANITIZE)
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
# SALON_FUZZ: every library gets libFuzzer's coverage instrumentation; fuzz/ links the driver.
if(SALON_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SALON_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
  # clang 14 cannot emit the function check's prologue data into coroutines (Asio awaitables):
  # "Cannot represent a difference across sections". The rest of UBSan stays on.
  add_compile_options(-fno-sanitize=function)
endif()
