// Fuzz target: the emulator's admin JSON (issue 15 items 5 and 9): faults, customers,
// entitlements, inject counts and whole configuration documents, as POSTed to /_emulator/*.
// Properties: only system_error(errc::invalid_argument) (or Boost.JSON's parse errors) is
// thrown, never another exception (bad_alloc included: a count must not allocate); accepted
// values are within their documented ranges, so no out-of-range double reaches an integer cast
// (UBSan checks the casts themselves in the sanitizer builds).
#include <awsmp/error.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/support/fuzz_support.hpp"
#include "testing/emulator_json.hpp"

namespace {

using awsmp::fuzz::check;
namespace em = awsmp::testing;

template <class F>
void only_invalid_argument(F&& f) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    check(e.code() == awsmp::errc::invalid_argument, "admin JSON threw a code other than invalid_argument");
  } catch (...) {
    check(false, "admin JSON threw something other than system_error");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  awsmp::fuzz::reader in(data, size);
  const auto which = in.byte() % 5;
  const auto text = in.rest();
  boost::system::error_code ec;
  const auto jv = boost::json::parse(text, ec);
  if (ec) return 0;  // the admin endpoint answers 400 for what Boost.JSON refuses
  switch (which) {
    case 0:
      only_invalid_argument([&] {
        const auto f = em::detail::faults_from_json(jv, em::fault_options{});
        check(f.latency.count() >= 0 && f.latency.count() <= 600'000, "latency out of range");
        for (const double p : {f.throttle_percent, f.server_error_percent, f.drop_connection_percent,
                               f.drop_after_commit_percent, f.unprocessed_percent})
          check(p >= 0 && p <= 100, "a percentage out of range");
      });
      break;
    case 1:
      only_invalid_argument([&] {
        const auto c = em::detail::customer_from_json(jv);
        if (c.token_expires_at) {
          using namespace std::chrono;
          check(*c.token_expires_at >= awsmp::time_point{} &&
                    *c.token_expires_at <= awsmp::time_point(sys_days{year{2200} / 1 / 1}),
                "TokenExpiresAt out of range");
        }
      });
      break;
    case 2:
      only_invalid_argument([&] { (void)em::detail::entitlement_from_json(jv); });
      break;
    case 3:
      only_invalid_argument([&] {
        const auto n = em::detail::inject_count_from_json(jv);
        check(n >= 1 && n <= em::detail::max_inject_count, "inject count out of range");
      });
      break;
    default:
      only_invalid_argument([&] {
        em::emulator_options options;
        em::detail::load_configuration(jv, options);
      });
      break;
  }
  return 0;
}
