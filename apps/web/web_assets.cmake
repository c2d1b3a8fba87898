# Defines salon_web_assets: apps/web's files compiled in as byte arrays (see embed_assets.cmake).
# Included by src/net, whose HTTP service serves them; the build never runs npm or the network.
set(_web_dir "${CMAKE_CURRENT_LIST_DIR}")
file(GLOB _web_files CONFIGURE_DEPENDS
  "${_web_dir}/*.html" "${_web_dir}/*.js" "${_web_dir}/*.css" "${_web_dir}/*.svg")
set(_web_cpp "${CMAKE_CURRENT_BINARY_DIR}/web_assets.cpp")
add_custom_command(
  OUTPUT "${_web_cpp}"
  COMMAND "${CMAKE_COMMAND}" "-DASSET_DIR=${_web_dir}" "-DOUTPUT=${_web_cpp}"
          -P "${_web_dir}/embed_assets.cmake"
  DEPENDS ${_web_files} "${_web_dir}/embed_assets.cmake"
  COMMENT "Embedding the web client"
  VERBATIM
)
add_library(salon_web_assets STATIC "${_web_cpp}")
target_include_directories(salon_web_assets PRIVATE "${PROJECT_SOURCE_DIR}/src")
target_compile_features(salon_web_assets PRIVATE cxx_std_20)
target_link_libraries(salon_web_assets PRIVATE salon_warnings)
