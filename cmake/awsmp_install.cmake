include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS awsmp awsmp_testing EXPORT awsmpTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/awsmp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT awsmpTargets NAMESPACE awsmp:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awsmp)

configure_package_config_file(cmake/awsmpConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/awsmpConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awsmp)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/awsmpConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/awsmpConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/awsmpConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/awsmp_gcc_check.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awsmp)
