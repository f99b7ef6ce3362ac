# Warning and sanitizer flags for the project's own targets (never forced on consumers).
function(awsmp_target_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(AWSMP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(AWSMP_SANITIZE)
  add_compile_options(-fsanitize=${AWSMP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${AWSMP_SANITIZE})
endif()
