# Every Salon target links salon_warnings PRIVATE, so the whole tree compiles with one set of flags.
add_library(salon_warnings INTERFACE)
target_compile_options(salon_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wimplicit-fallthrough -Wformat=2)
if(SALON_WERROR)
  target_compile_options(salon_warnings INTERFACE -Werror)
endif()
