// The one Boost.Test main shared by every test executable. It runs the cases as Boost.Test's own
// main would, then exits with skip_exit_code (77) when a case called awsmp::test::skip and none
// failed, so that a missing peer shows up in ctest as Skipped, never as Passed.
#define BOOST_TEST_MODULE awsmp
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>
#include <iostream>

#include "support/skip.hpp"

int main(int argc, char* argv[]) {
  const int rc = boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
  const auto& skipped = awsmp::test::skipped_reasons();
  if (rc != 0 || skipped.empty()) return rc;
  std::cout << skipped.size() << " test case(s) SKIPPED:\n";
  for (const auto& reason : skipped) std::cout << "  " << reason << "\n";
  return awsmp::test::skip_exit_code;
}
