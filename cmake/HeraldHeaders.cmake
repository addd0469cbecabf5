# Per-target include directories that enforce the dependency rules.
#
# Headers are included by their path from the repository root ("engine/memory/x.hpp"). Adding
# the root itself to the include path would let any file include anything, so instead every
# library gets its own include root in the build tree holding links to ITS headers only:
# build/include/<target>/engine/memory/x.hpp -> engine/memory/x.hpp. A file sees exactly the
# headers of the libraries it links, and an include across a forbidden edge fails to compile.

# herald_expose_headers(<target> <folder>...): the *.hpp/*.h files directly in each folder
# (relative to the repository root; subfolders are other libraries) become visible to
# <target> and to everything that links it.
function(herald_expose_headers target)
  set(root ${CMAKE_BINARY_DIR}/include/${target})
  foreach(folder ${ARGN})
    file(GLOB headers CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}
         ${CMAKE_SOURCE_DIR}/${folder}/*.hpp ${CMAKE_SOURCE_DIR}/${folder}/*.h)
    foreach(h ${headers})
      get_filename_component(dir ${root}/${h} DIRECTORY)
      file(MAKE_DIRECTORY ${dir})
      file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${h} ${root}/${h} SYMBOLIC)
    endforeach()
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
endfunction()
