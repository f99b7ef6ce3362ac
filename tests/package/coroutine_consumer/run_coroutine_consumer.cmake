# Compiles tests/package/coroutine_consumer/main.cpp with one compiler and AddressSanitizer,
# links it with the awsmp library of the build tree, and runs it (issue 15 item 8).
#
#   cmake -DCOMPILER=<c++> -DSOURCE=<main.cpp> -DWORK_DIR=<dir> -DINCLUDES=<a;b> -DLIBS=<a;b> -P ...
foreach(var COMPILER SOURCE WORK_DIR INCLUDES LIBS)
  string(REPLACE "|" ";" ${var} "${${var}}")
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_coroutine_consumer.cmake: ${var} is required")
  endif()
endforeach()
file(MAKE_DIRECTORY ${WORK_DIR})
set(args -std=c++20 -O1 -g -fsanitize=address -fno-omit-frame-pointer -DBOOST_ASIO_NO_DEPRECATED)
# The compiler's own system folders must not be repeated (-isystem /usr/include breaks
# #include_next in the C++ library headers).
list(REMOVE_ITEM INCLUDES /usr/include /usr/local/include)
foreach(dir ${INCLUDES})
  list(APPEND args -isystem ${dir})
endforeach()
execute_process(COMMAND ${COMPILER} --version OUTPUT_VARIABLE version)
string(REGEX MATCH "^[^\n]*" version "${version}")
message(STATUS "compiler: ${version}")
execute_process(COMMAND ${COMPILER} ${args} ${SOURCE} ${LIBS} -pthread -o ${WORK_DIR}/consumer
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compile of the consumer failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND ${WORK_DIR}/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the natural-style consumer failed with ${version} (${rc}):\n${out}\n${err}")
endif()
message(STATUS "PASSED with ${version}")
