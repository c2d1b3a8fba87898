# Every Salon target links salon_warnings PRIVATE, so the whole tree compiles with one set of flags.
add_library(salon_warnings INTERFACE)
target_compile_options(salon_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wimplicit-fallthrough -Wformat=2)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 at -O2 reports Asio's coroutine frames (awaitable_frame_base's own operator new and
  # delete) as mismatched allocations: a false positive that breaks optimized builds.
  target_compile_options(salon_warnings INTERFACE -Wno-mismatched-new-delete)
  # g++ 12 at -O3 reports `"text" + std::string` (operator+ with an rvalue, which inserts at the
  # front) as an overlapping memcpy of 2^63 bytes, a false alarm later GCCs dropped. The idiom is
  # everywhere in the tests; a packager's Release build must not print dozens of them. Only
  # optimizing builds see it.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(salon_warnings INTERFACE $<$<NOT:$<CONFIG:Debug>>:-Wno-restrict>)
  endif()
endif()
if(SALON_WERROR)
  target_compile_options(salon_warnings INTERFACE -Werror)
endif()
