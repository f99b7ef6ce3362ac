# Installs awsmp from a build tree into a fresh prefix, then configures, builds and runs the
# consumer project against it and checks its signature with botocore.
#
#   cmake -DAWSMP_BUILD_DIR=<build> -DVARIANT=<static|shared> -DWORK_DIR=<scratch>
#         -DCONSUMER_DIR=<src> -DCHECKER=<check_signature.py> -DPYTHON=<python3>
#         [-DCXX_COMPILER=...] [-DCXX_LAUNCHER=...] [-DCXX_FLAGS=...] [-DLINK_FLAGS=...] [-DSANITIZE=...]
#         -P run_package_test.cmake
foreach(var AWSMP_BUILD_DIR VARIANT WORK_DIR CONSUMER_DIR CHECKER PYTHON)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_package_test.cmake: ${var} is required")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
  set(step_error "${err}" PARENT_SCOPE)
endfunction()

# The generator, compiler and launcher every configure step here shares with the main build.
set(toolchain_args)
find_program(ninja_program ninja)
if(ninja_program)
  list(APPEND toolchain_args -G Ninja)
endif()
if(CXX_COMPILER)
  list(APPEND toolchain_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(CXX_LAUNCHER)
  list(APPEND toolchain_args -DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER})
endif()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

if(DEFINED SOURCE_DIR)
  if(VARIANT STREQUAL "shared")
    set(shared ON)
  else()
    set(shared OFF)
  endif()
  string(TOUPPER "${BUILD_TYPE}" build_type_upper)
  set(lib_args -S ${SOURCE_DIR} -B ${AWSMP_BUILD_DIR} -DBUILD_SHARED_LIBS=${shared}
      -DAWSMP_BUILD_TESTS=OFF -DAWSMP_BUILD_EXAMPLES=OFF -DAWSMP_BUILD_BENCHMARKS=OFF -DAWSMP_BUILD_TOOLS=OFF
      -DCMAKE_BUILD_TYPE=${BUILD_TYPE} "-DCMAKE_CXX_FLAGS_${build_type_upper}=${BUILD_TYPE_FLAGS}"
      "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_SHARED_LINKER_FLAGS=${LINK_FLAGS}" "-DAWSMP_SANITIZE=${SANITIZE}"
      "-DAWSMP_WERROR=${WERROR}" ${toolchain_args})
  run_step("configure of the ${VARIANT} library tree" ${CMAKE_COMMAND} ${lib_args})
  run_step("build of the ${VARIANT} library tree" ${CMAKE_COMMAND} --build ${AWSMP_BUILD_DIR} --parallel 2)
endif()

run_step("install of ${AWSMP_BUILD_DIR}" ${CMAKE_COMMAND} --install ${AWSMP_BUILD_DIR} --prefix ${prefix})
message(STATUS "installed awsmp (${VARIANT}) into ${prefix}")

# Same compiler, flags and sanitizers as the library, or a static archive will not link.
set(configure_args -S ${CONSUMER_DIR} -B ${consumer_build} -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DAWSMP_EXPECTED_PREFIX=${prefix} -DAWSMP_EXPECTED_VARIANT=${VARIANT} ${toolchain_args})
set(flags "${CXX_FLAGS}")
set(link_flags "${LINK_FLAGS}")
if(SANITIZE)
  string(APPEND flags " -fsanitize=${SANITIZE} -fno-omit-frame-pointer")
  string(APPEND link_flags " -fsanitize=${SANITIZE}")
endif()
list(APPEND configure_args "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${link_flags}")

run_step("configure of the consumer" ${CMAKE_COMMAND} ${configure_args})
# The installed package warns a GCC < 13 consumer about the co_await temporaries bug (issue 15
# item 8); any other compiler must configure without that warning.
set(configure_log "${step_output}${step_error}")
string(REGEX REPLACE "[ \n]+" " " configure_flat "${configure_log}")  # CMake wraps warning text
set(gxx_probe ${CXX_COMPILER})
if(NOT gxx_probe)
  set(gxx_probe c++)
endif()
execute_process(COMMAND ${gxx_probe} -dumpfullversion OUTPUT_VARIABLE gxx_version OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${gxx_probe} --version OUTPUT_VARIABLE gxx_banner)
set(expect_warning OFF)
if(NOT gxx_banner MATCHES "clang" AND gxx_version VERSION_LESS 13)
  set(expect_warning ON)
endif()
string(FIND "${configure_flat}" "GCC before 13 destroys" warned)
if(expect_warning AND warned EQUAL -1)
  message(FATAL_ERROR "the installed awsmpConfig.cmake did not warn a GCC ${gxx_version} consumer:\n${configure_log}")
elseif(NOT expect_warning AND NOT warned EQUAL -1)
  message(FATAL_ERROR "the installed awsmpConfig.cmake warned a non-GCC-12 consumer:\n${configure_log}")
endif()
message(STATUS "GCC < 13 warning shown: ${expect_warning}")
run_step("build of the consumer" ${CMAKE_COMMAND} --build ${consumer_build} --parallel 2)
run_step("run of the consumer" ${consumer_build}/awsmp_consumer)
set(consumer_output "${step_output}")
file(WRITE ${WORK_DIR}/consumer-output.json "${consumer_output}")
message(STATUS "consumer: ${consumer_output}")

execute_process(COMMAND ${PYTHON} ${CHECKER} INPUT_FILE ${WORK_DIR}/consumer-output.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(rc EQUAL 77)
  message(STATUS "SKIPPED: ${out}")
  # ctest maps this output to a skip (SKIP_REGULAR_EXPRESSION).
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "signature check failed (${rc}):\n${out}\n${err}")
endif()
