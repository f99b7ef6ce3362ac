// Shared by the fault-matrix tests: the emulator on its own thread over loopback TLS, a
// metering_client reaching it, a tracker, and the bookkeeping that proves "nothing lost,
// nothing billed twice" by comparing what was recorded with the emulator's ledger.
#pragma once

#include <unistd.h>

#include <awsmp/credentials.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

namespace faults {

using awsmp::test::run_sync;
using awsmp::test::temp_dir;

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline constexpr const char* access_key = "AKIDEXAMPLE";
inline constexpr const char* secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr const char* product = "prod-faults";
inline constexpr const char* dimension = "tokens_1m";

/// The seed of a run: AWSMP_FAULT_SEED when set (scripts/fault_matrix.sh varies it), else `fallback`.
inline std::uint64_t seed(std::uint64_t fallback) {
  if (const char* s = std::getenv("AWSMP_FAULT_SEED"); s != nullptr && *s != '\0')
    return std::strtoull(s, nullptr, 10);
  return fallback;
}

/// Emulator options with `customers` subscribed customers cust-0, cust-1, ...
inline awsmp::testing::emulator_options emulator_with_customers(int customers,
                                                                const std::filesystem::path& ca_file) {
  awsmp::testing::emulator_options o;
  o.ca_file = ca_file.string();
  o.products.push_back({product, {dimension}});
  for (int i = 0; i < customers; ++i) {
    awsmp::testing::emulated_customer c;
    c.registration_token = "token-" + std::to_string(i);
    c.identity.customer_identifier = "cust-" + std::to_string(i);
    c.identity.product_code = product;
    o.customers.push_back(c);
  }
  return o;
}

/// Client options for the emulator: its CA, short timeouts and backoffs so faults cost little time.
inline awsmp::client_options client_for(const awsmp::testing::marketplace_emulator& emu) {
  awsmp::client_options o;
  o.endpoint = emu.endpoint();
  o.ca_file = emu.ca_file();
  o.timeout = 5s;
  o.base_backoff = 2ms;
  o.max_backoff = 20ms;
  return o;
}

/// Signing for the emulator's default credentials.
struct signing {
  awsmp::static_credentials_provider credentials{{access_key, secret_key, {}, {}}};
  awsmp::sigv4_signer signer{credentials, "us-east-1"};
};

/// A metering_api that forwards to whichever client is current: how a test swaps a broken
/// endpoint for a good one under a tracker that holds one metering_api& for its lifetime.
class switchable_metering final : public awsmp::metering_api {
 public:
  explicit switchable_metering(awsmp::metering_api& initial) : current_(&initial) {}
  void use(awsmp::metering_api& next) { current_ = &next; }
  awsmp::awaitable<awsmp::resolve_customer_output> resolve_customer(std::string token) override {
    return current_->resolve_customer(std::move(token));
  }
  awsmp::awaitable<awsmp::batch_meter_usage_output> batch_meter_usage(
      awsmp::batch_meter_usage_input input) override {
    ++batch_calls;
    return current_->batch_meter_usage(std::move(input));
  }
  awsmp::awaitable<awsmp::meter_usage_output> meter_usage(awsmp::meter_usage_input input) override {
    return current_->meter_usage(std::move(input));
  }
  std::size_t batch_calls = 0;

 private:
  awsmp::metering_api* current_;
};

/// Sum of the quantities of the tracker's dead letters per customer.
inline std::map<std::string, std::int64_t> dead_units(const std::vector<awsmp::dead_letter>& dead) {
  std::map<std::string, std::int64_t> out;
  for (const auto& d : dead) out[d.record.customer_identifier] += d.record.quantity;
  return out;
}

/// Checks the emulator's ledger: no DuplicateRecord answer, no two accepted records for the
/// same (customer, dimension, hour), and returns the accepted units per customer.
inline std::map<std::string, std::int64_t> check_ledger(const awsmp::testing::marketplace_emulator& emu) {
  std::map<std::string, std::int64_t> units;
  std::set<std::tuple<std::string, std::string, std::int64_t>> identities;
  for (const auto& r : emu.accepted_records()) {
    const auto hour = std::chrono::floor<std::chrono::hours>(r.record.timestamp).time_since_epoch().count();
    const bool fresh = identities.emplace(r.record.customer_identifier, r.record.dimension, hour).second;
    BOOST_TEST(fresh, "two accepted records for " << r.record.customer_identifier << " at hour " << hour);
    units[r.record.customer_identifier] += r.record.quantity;
  }
  BOOST_TEST(emu.stats().records_duplicate == 0u);
  return units;
}

}  // namespace faults

namespace faults {

/// Records `calls` random usages over customers cust-0..cust-(customers-1) in one coroutine and
/// adds the tokens to `recorded`; returns nothing, throws what record_usage throws.
inline void record_random(asio::io_context& io, awsmp::token_billing_tracker& tracker, std::mt19937_64& rng,
                          int customers, int calls, std::map<std::string, std::int64_t>& recorded) {
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> plan;
  for (int i = 0; i < calls; ++i) {
    const auto in = static_cast<std::int64_t>(rng() % 5000);
    const auto out = static_cast<std::int64_t>(rng() % 3000);
    plan.emplace_back("cust-" + std::to_string(rng() % static_cast<unsigned>(customers)), in, out);
  }
  // Concurrent callers, as in a server: with a journal they share group commits.
  std::vector<std::future<void>> done;
  for (auto& [id, in, out] : plan)
    done.push_back(asio::co_spawn(io, tracker.record_usage(id, in, out), asio::use_future));
  io.restart();
  io.run();
  for (std::size_t i = 0; i < plan.size(); ++i) {
    done[i].get();
    recorded[std::get<0>(plan[i])] += std::get<1>(plan[i]) + std::get<2>(plan[i]);
  }
}

/// Flushes until nothing is pending (at most `limit` flushes, errors swallowed); returns the
/// number of flushes that were needed, or `limit` when records are still pending.
inline int flush_until_done(asio::io_context& io, awsmp::token_billing_tracker& tracker, int limit) {
  for (int i = 1; i <= limit; ++i) {
    try {
      if (run_sync(io, tracker.flush()).unprocessed_records.empty() && tracker.stats().records_pending == 0)
        return i;
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("flush " << i << " threw: " << e.what());
    }
  }
  return limit;
}

}  // namespace faults
