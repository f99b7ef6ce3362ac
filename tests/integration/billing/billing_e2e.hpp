// Shared by the billing integration tests: the emulator on its own thread over loopback TLS,
// with registered customers, and a metering_client configured to reach it.
#pragma once

#include <unistd.h>

#include <atomic>
#include <awsmp/credentials.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

namespace billing_e2e {

using awsmp::test::run_sync;
using awsmp::test::temp_dir;

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline constexpr const char* access_key = "AKIDEXAMPLE";
inline constexpr const char* secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr const char* product = "prod-billing";

/// The account form of customer `i`: account 1234567890<10 + i / 2>, license l-<i>: two
/// licenses (concurrent agreements) per account.
inline awsmp::billed_customer account_customer(int i) {
  const std::string account = "1234567890" + std::to_string(10 + (i / 2) % 90);
  char hex[40];
  std::snprintf(hex, sizeof hex, "%032x", static_cast<unsigned>(i) + 1);
  return awsmp::billed_customer::account(account,
                                         "arn:aws:license-manager::" + account + ":license:l-" + hex);
}

/// Emulator options with `customers` subscribed customers named cust-0, cust-1, ... (legacy
/// form), or, with `account_form`, account_customer(0), (1), ... . The account form's requests
/// carry no ProductCode: the emulator then knows no products (any code is accepted).
inline awsmp::testing::emulator_options emulator_with_customers(int customers,
                                                                const std::filesystem::path& ca_file,
                                                                bool account_form = false) {
  awsmp::testing::emulator_options o;
  o.ca_file = ca_file.string();
  if (!account_form) o.products.push_back({product, {}});
  for (int i = 0; i < customers; ++i) {
    awsmp::testing::emulated_customer c;
    c.registration_token = "token-" + std::to_string(i);
    if (account_form) {
      const auto who = account_customer(i);
      c.identity.customer_aws_account_id = who.customer_aws_account_id;
      c.identity.license_arn = who.license_arn;
    } else {
      c.identity.customer_identifier = "cust-" + std::to_string(i);
      c.identity.product_code = product;
      c.identity.customer_aws_account_id = "1234567890" + std::to_string(10 + i % 90);
    }
    o.customers.push_back(c);
  }
  return o;
}

/// Units the emulator accepted for one license (account form), summed over its records.
inline std::int64_t license_total(const awsmp::testing::marketplace_emulator& emu,
                                  const awsmp::billed_customer& who) {
  std::int64_t n = 0;
  for (const auto& r : emu.accepted_records())
    if (r.record.customer_aws_account_id == who.customer_aws_account_id &&
        r.record.license_arn == who.license_arn)
      n += r.record.quantity;
  return n;
}

/// Client options for the emulator: its CA, and short backoffs so that faults cost little time.
inline awsmp::client_options client_for(const awsmp::testing::marketplace_emulator& emu) {
  awsmp::client_options o;
  o.endpoint = emu.endpoint();
  o.ca_file = emu.ca_file();
  o.timeout = 5s;
  o.base_backoff = 5ms;
  o.max_backoff = 40ms;
  return o;
}

}  // namespace billing_e2e
