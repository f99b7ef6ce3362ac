// What the cross-process fleet test (fleet_crash_test.cpp) and its child program
// (fleet_child.cpp) agree on: the customers, the product, and the accelerated clock that every
// process and the emulator share.
//
// The clock: sim = T0 + (steady_clock now - R0) * speed. steady_clock is CLOCK_MONOTONIC, one
// clock for every process of the machine, so the children and the test read the same simulated
// instant (plus each child's own skew). The test picks T0 about 5 hours before real time, so
// every stamp stays inside AWS's 6-hour window and never lies in the future.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fleet_process {

inline constexpr const char* product = "prod-fleetproc";
inline constexpr const char* table = "awsmp-fleet";
inline constexpr const char* dimension = "tokens_1m";
inline constexpr int legacy_customers = 16;
inline constexpr int account_customers = 8;
inline constexpr int customers = legacy_customers + account_customers;
inline constexpr int lanes = 3;     // one lane per child process: child i uses bits i, i+3, i+6, ...
inline constexpr int max_bit = 30;  // a customer's calls sum to at most 2^31-1: one record can bill them all

inline std::string legacy_id(int k) {
  char b[32];
  std::snprintf(b, sizeof b, "cust-%02d", k);
  return b;
}

inline std::string account_id(int k) {
  char b[32];
  std::snprintf(b, sizeof b, "3000000000%02d", k);
  return b;
}

inline std::string license_arn(int k) {
  char b[128];
  std::snprintf(b, sizeof b, "arn:aws:license-manager::%s:license:l-0123456789abcdef0123456789abcd%02d",
                account_id(k).c_str(), k);
  return b;
}

/// Customer k (0..customers-1): the first ones in the legacy form, the rest as account + license.
inline awsmp::billed_customer customer(int k) {
  if (k < legacy_customers) return awsmp::billed_customer::legacy(legacy_id(k));
  return awsmp::billed_customer::account(account_id(k), license_arn(k));
}

/// The shared accelerated clock (see the top of this file), shifted by `skew` simulated time.
struct sim_clock {
  std::int64_t t0_ns = 0;  // simulated start, system_clock nanoseconds since 1970
  std::int64_t r0_ns = 0;  // real start, steady_clock nanoseconds
  std::int64_t speed = 60;
  std::chrono::seconds skew{0};

  awsmp::time_point now() const {
    const auto real = std::chrono::steady_clock::now().time_since_epoch() - std::chrono::nanoseconds(r0_ns);
    const auto sim = std::chrono::duration_cast<awsmp::time_point::duration>(
        std::chrono::nanoseconds(t0_ns) + std::chrono::duration_cast<std::chrono::nanoseconds>(real) * speed);
    return awsmp::time_point(sim) + skew;
  }
  awsmp::clock_function function() const {
    return [c = *this] { return c.now(); };
  }
};

}  // namespace fleet_process
