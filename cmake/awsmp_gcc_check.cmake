# Warns a consumer that compiles with GCC before 13 (Debian 12's g++ 12 included): it destroys
# temporaries created inside a co_await expression twice, so natural code such as
#   co_await store.put({"cust-1", "p", "d", 1, {}});
#   co_await tracker.record_usage("cust-" + std::to_string(i), a, b);
# frees the same memory twice. Included by awsmpConfig.cmake and, for Conan consumers, as a
# CMake build module of the package. AWSMP_SILENCE_GCC12_WARNING=ON silences it.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13 AND
   NOT AWSMP_SILENCE_GCC12_WARNING)
  message(WARNING
    "awsmp: ${CMAKE_CXX_COMPILER} is GCC ${CMAKE_CXX_COMPILER_VERSION}. GCC before 13 destroys "
    "temporaries created inside a co_await expression twice (heap corruption). Rule: never build "
    "an argument inside the co_await expression; name it first: "
    "`auto e = awsmp::entitlement{...}; co_await store.put(std::move(e));` and "
    "`auto id = \"cust-\" + std::to_string(i); co_await tracker.record_usage(std::move(id), a, b);`. "
    "Or build with clang or g++ >= 13. Set AWSMP_SILENCE_GCC12_WARNING=ON to silence this warning.")
endif()
