# SALON_SANITIZE="address;undefined" builds everything with those sanitizers; UB aborts the run.
if(SALON_SANITIZE)
  list(JOIN SALON_SANITIZE "," _salon_sanitizers)
  add_compile_options(-fsanitize=${_salon_sanitizers} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_salon_sanitizers})
  if("undefined" IN_LIST SALON_SANITIZE)
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
