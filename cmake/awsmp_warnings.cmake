# Warning and sanitizer flags for the project's own targets (never forced on consumers).
function(awsmp_target_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 at -O2 inlines Asio's coroutine frame allocator (aligned_alloc paired with its own
    # operator delete) and reports a mismatch that is not there: a known false positive.
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
  if(AWSMP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(AWSMP_SANITIZE)
  add_compile_options(-fsanitize=${AWSMP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  if(AWSMP_SANITIZE MATCHES "undefined" AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14's -fsanitize=function misfires on coroutine resume through asio's type-erased
    # handlers (a false positive, not a bug in the call), so it is left out.
    add_compile_options(-fno-sanitize=function)
  endif()
  add_link_options(-fsanitize=${AWSMP_SANITIZE})
endif()
