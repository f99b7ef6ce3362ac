// Test doubles of the billing tests: a scriptable metering_api and a settable clock.
// Its fake_metering keeps AWS's hour ledger (tests/support/fake_metering.hpp is a scriptable
// one) and its clock moves in seconds; run_sync is tests/support's.
#pragma once

#include <awsmp/error.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "support/run_sync.hpp"

namespace billing_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using awsmp::test::run_sync;

/// A clock the test moves by hand.
struct manual_clock {
  std::shared_ptr<awsmp::time_point> now = std::make_shared<awsmp::time_point>(
      std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 10h + 30s);
  awsmp::clock_function function() const {
    return [n = now] { return *n; };
  }
  void advance(std::chrono::seconds d) { *now += d; }
};

/// Who a record bills, as one string (for the fake's books).
inline std::string who_of(const awsmp::usage_record& r) {
  return r.customer_identifier.empty() ? r.customer_aws_account_id + "/" + r.license_arn
                                       : r.customer_identifier;
}

/// A metering_api whose BatchMeterUsage answers through `handler` (default: like AWS, one
/// record per (customer, dimension, UTC hour): Success for the first and for an identical
/// resend, DuplicateRecord for another quantity), keeping every request and an "accepted"
/// ledger like AWS's (Success answers only).
class fake_metering final : public awsmp::metering_api {
 public:
  std::function<awsmp::batch_meter_usage_output(const awsmp::batch_meter_usage_input&)> handler;
  std::vector<awsmp::batch_meter_usage_input> requests;
  // (customer, dimension, hour) -> quantity accepted
  std::map<std::tuple<std::string, std::string, std::int64_t>, std::int64_t> accepted;
  int duplicates = 0;  ///< records a real AWS would answer (or answered) DuplicateRecord

  static std::tuple<std::string, std::string, std::int64_t> key_of(const awsmp::usage_record& r) {
    return {who_of(r), r.dimension,
            std::chrono::floor<std::chrono::hours>(r.timestamp).time_since_epoch().count()};
  }

  static awsmp::batch_meter_usage_output all_success(const awsmp::batch_meter_usage_input& in) {
    awsmp::batch_meter_usage_output out;
    for (const auto& r : in.usage_records)
      out.results.push_back({r, "id", awsmp::usage_record_status::success});
    return out;
  }

  /// What AWS answers, given what it accepted so far.
  awsmp::batch_meter_usage_output like_aws(const awsmp::batch_meter_usage_input& in) const {
    awsmp::batch_meter_usage_output out;
    for (const auto& r : in.usage_records) {
      auto it = accepted.find(key_of(r));
      const bool dup = it != accepted.end() && it->second != r.quantity;
      out.results.push_back(
          {r, dup ? "" : "id",
           dup ? awsmp::usage_record_status::duplicate_record : awsmp::usage_record_status::success});
    }
    return out;
  }

  awsmp::awaitable<awsmp::resolve_customer_output> resolve_customer(std::string) override {
    throw awsmp::aws_error(400, "InvalidTokenException", "not in this fake", "r");
  }
  awsmp::awaitable<awsmp::meter_usage_output> meter_usage(awsmp::meter_usage_input) override {
    throw awsmp::aws_error(400, "InvalidUsageDimensionException", "not in this fake", "r");
  }
  awsmp::awaitable<awsmp::batch_meter_usage_output> batch_meter_usage(
      awsmp::batch_meter_usage_input in) override {
    requests.push_back(in);
    auto out = handler ? handler(in) : like_aws(in);
    for (auto& res : out.results) {
      if (res.status == awsmp::usage_record_status::duplicate_record) ++duplicates;
      if (res.status != awsmp::usage_record_status::success) continue;
      auto key = key_of(res.record);
      auto it = accepted.find(key);
      if (it == accepted.end())
        accepted.emplace(key, res.record.quantity);
      else if (it->second != res.record.quantity)
        ++duplicates;  // AWS would answer DuplicateRecord
    }
    co_return out;
  }

  std::int64_t accepted_units(const std::string& customer) const {
    std::int64_t n = 0;
    for (const auto& [k, q] : accepted)
      if (std::get<0>(k) == customer) n += q;
    return n;
  }
  std::size_t accepted_records(const std::string& customer) const {
    std::size_t n = 0;
    for (const auto& [k, q] : accepted)
      if (std::get<0>(k) == customer) ++n;
    return n;
  }
};

}  // namespace billing_test
