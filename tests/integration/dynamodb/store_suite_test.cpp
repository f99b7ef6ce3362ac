// The shared store suite (tests/unit/state/store_test.cpp, written once for every store) run
// on the DynamoDB stores against moto: every BOOST_AUTO_TEST_CASE_TEMPLATE of that file is
// instantiated here with the DynamoDB backend instead of its own backend list.
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include "dynamodb_backend.hpp"

namespace awsmp::test {
using dynamodb_backends = boost::mpl::list<dynamodb_backend>;
}

#undef BOOST_AUTO_TEST_CASE_TEMPLATE
#define BOOST_AUTO_TEST_CASE_TEMPLATE(test_name, type_name, TL)                          \
  BOOST_FIXTURE_TEST_CASE_TEMPLATE(test_name, type_name, awsmp::test::dynamodb_backends, \
                                   BOOST_AUTO_TEST_CASE_FIXTURE)

#include "unit/state/store_test.cpp"
