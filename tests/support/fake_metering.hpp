// A metering_api for tests, built from plain function fields: each operation answers through
// its handler (or a documented default), and every call is recorded for assertions.
#pragma once

#include <awsmp/error.hpp>
#include <awsmp/metering_api.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "wire/rules.hpp"

namespace awsmp::test {

/// A scriptable metering_api. Set the `on_*` fields before use; a handler may throw (aws_error,
/// system_error) to make the call fail. Thread-safe: calls may arrive from several threads.
class fake_metering final : public metering_api {
 public:
  /// ResolveCustomer; default: throws aws_error 400 InvalidTokenException.
  std::function<resolve_customer_output(const std::string& token)> on_resolve_customer;
  /// BatchMeterUsage; default: every record Success (all_success).
  std::function<batch_meter_usage_output(const batch_meter_usage_input&)> on_batch_meter_usage;
  /// MeterUsage; default: a record id "mr-<n>".
  std::function<meter_usage_output(const meter_usage_input&)> on_meter_usage;

  /// The answer AWS gives a batch it fully accepts.
  static batch_meter_usage_output all_success(const batch_meter_usage_input& in) {
    batch_meter_usage_output out;
    for (const auto& r : in.usage_records)
      out.results.push_back({r, "mr-" + r.dimension, usage_record_status::success});
    return out;
  }

  awaitable<resolve_customer_output> resolve_customer(std::string token) override {
    auto handler = record_call(resolve_tokens_, token, on_resolve_customer);
    if (!handler) throw aws_error(400, "InvalidTokenException", "unknown registration token", "fake-request");
    co_return handler(token);
  }

  awaitable<batch_meter_usage_output> batch_meter_usage(batch_meter_usage_input input) override {
    auto handler = record_call(batches_, input, on_batch_meter_usage);
    auto out = handler ? handler(input) : all_success(input);
    note_accepted(out);
    co_return out;
  }

  awaitable<meter_usage_output> meter_usage(meter_usage_input input) override {
    auto handler = record_call(meter_inputs_, input, on_meter_usage);
    if (handler) co_return handler(input);
    std::lock_guard lock(mutex_);
    co_return meter_usage_output{"mr-" + std::to_string(meter_inputs_.size())};
  }

  /// Every registration token passed to resolve_customer, in call order.
  std::vector<std::string> resolve_calls() const { return copy(resolve_tokens_); }
  /// Every batch passed to batch_meter_usage, in call order.
  std::vector<batch_meter_usage_input> batches() const { return copy(batches_); }
  /// Every input passed to meter_usage, in call order.
  std::vector<meter_usage_input> meter_calls() const { return copy(meter_inputs_); }

  /// Units accepted (Success results) for `customer` (customer identifier or account id), each
  /// (customer, dimension, record_identity_period) counted once, as AWS deduplicates.
  std::int64_t accepted_units(const std::string& customer) const {
    std::lock_guard lock(mutex_);
    std::int64_t n = 0;
    for (const auto& [key, quantity] : accepted_)
      if (std::get<0>(key) == customer) n += quantity;
    return n;
  }
  /// Success results that repeated an accepted (customer, dimension, period) with another quantity:
  /// AWS would have answered DuplicateRecord.
  int conflicting_duplicates() const {
    std::lock_guard lock(mutex_);
    return conflicts_;
  }

 private:
  template <class Log, class Value, class Handler>
  Handler record_call(Log& log, const Value& v, const Handler& h) {
    std::lock_guard lock(mutex_);
    log.push_back(v);
    return h;  // a copy: the handler runs without the lock, so it may call back into the fake
  }
  template <class Log>
  Log copy(const Log& log) const {
    std::lock_guard lock(mutex_);
    return log;
  }
  void note_accepted(const batch_meter_usage_output& out) {
    std::lock_guard lock(mutex_);
    for (const auto& res : out.results) {
      if (res.status != usage_record_status::success) continue;
      const auto& who = res.record.customer_identifier.empty() ? res.record.customer_aws_account_id
                                                               : res.record.customer_identifier;
      const auto period = res.record.timestamp.time_since_epoch() / detail::record_identity_period;
      auto [it, fresh] = accepted_.emplace(std::make_tuple(who, res.record.dimension, std::int64_t(period)),
                                           res.record.quantity);
      if (!fresh && it->second != res.record.quantity) ++conflicts_;
    }
  }

  mutable std::mutex mutex_;
  std::vector<std::string> resolve_tokens_;
  std::vector<batch_meter_usage_input> batches_;
  std::vector<meter_usage_input> meter_inputs_;
  std::map<std::tuple<std::string, std::string, std::int64_t>, std::int64_t> accepted_;
  int conflicts_ = 0;
};

}  // namespace awsmp::test
