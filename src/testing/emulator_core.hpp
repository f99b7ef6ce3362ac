// Internal: the emulator's protocol logic, pure (no sockets; time is a parameter): operation
// dispatch, validation with the service models' error types, the ledger, idempotency,
// pagination and fault decisions. Thread-safe: one mutex guards the state.
#pragma once

#include <atomic>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace awsmp::testing::detail {

/// The operations the emulator serves, from X-Amz-Target.
enum class operation { batch_meter_usage, meter_usage, resolve_customer, get_entitlements, unknown };

/// Maps an X-Amz-Target value to its operation (unknown when it is none of the four).
operation parse_target(std::string_view target) noexcept;

/// What the shell must do with a request.
enum class response_action { answer, drop_before, drop_after_commit };

/// The answer of one service request.
struct service_response {
  unsigned status = 200;
  std::string error_type;  ///< empty on success; else also sent as x-amzn-ErrorType
  std::string body;
  response_action action = response_action::answer;
  std::chrono::milliseconds latency{0};
};

/// An error answer in the AWS JSON 1.1 shape {"__type": ..., "message": ...}.
service_response make_error(unsigned status, std::string_view type, std::string_view message);

/// Counters shared by the core and the shell; relaxed atomics, read as a snapshot.
struct emulator_counters {
  std::atomic<std::uint64_t> requests{0}, connections{0}, connections_rejected{0}, active_connections{0},
      tls_handshakes{0}, auth_failures{0}, errors{0}, throttled{0}, server_errors{0}, dropped_before{0},
      dropped_after_commit{0}, unprocessed_records{0}, records_accepted{0}, records_idempotent{0},
      records_duplicate{0}, records_not_subscribed{0}, events_published{0}, event_delivery_failures{0};
  emulator_stats snapshot() const noexcept;
  void clear() noexcept;
};

/// The state and rules of the emulated services.
class emulator_core {
 public:
  /// Copies what it needs from `options`; throws system_error(errc::invalid_argument) for
  /// inconsistent tables (e.g. a customer without a registration token).
  explicit emulator_core(const emulator_options& options);

  /// Handles one authenticated service request whose body is `body`, at time `now`: draws the
  /// faults, validates, commits, encodes. Never throws beyond std::bad_alloc.
  service_response handle(operation op, std::string_view body, time_point now);

  std::vector<accepted_record> accepted_records() const;
  std::vector<usage_total> totals() const;
  std::int64_t total(std::string_view customer, std::string_view dimension) const;
  std::int64_t total(const billed_customer& who, std::string_view dimension) const;
  emulator_counters& counters() noexcept { return counters_; }
  const emulator_counters& counters() const noexcept { return counters_; }
  fault_options faults() const;
  void set_faults(const fault_options& faults);
  void inject(fault_kind kind, std::size_t count);
  void add_customer(emulated_customer customer);
  void add_entitlement(marketplace_entitlement entitlement);
  /// The customer `who` names (legacy: by identifier; account form: account and license), if any.
  std::optional<emulated_customer> find(const billed_customer& who) const;
  /// Marks `who` not subscribed from `at` on (records stamped earlier are still accepted);
  /// false when the emulator does not know `who`.
  bool mark_unsubscribed(const billed_customer& who, time_point at);
  /// Replaces every entitlement of `who` (legacy: customer_identifier; account form: account and
  /// license) by `entitlements`. Throws system_error(errc::invalid_argument) for one without a
  /// product code.
  void replace_entitlements(const billed_customer& who, std::vector<marketplace_entitlement> entitlements);
  void reset();
  /// The next x-amzn-RequestId (UUID-shaped, unique within the process run).
  std::string next_request_id();

 private:
  struct identity_entry {
    std::int32_t quantity = 0;
    std::string allocations;  // canonical fingerprint; empty when none
    std::string metering_record_id;
  };
  struct token_entry {
    std::string fingerprint;
    std::string metering_record_id;
  };
  struct total_entry {
    std::int64_t quantity = 0;
    std::uint64_t records = 0;
  };
  struct fault_draw {
    bool throttle = false, server_error = false, drop_before = false, drop_after = false;
  };

  service_response batch_meter_usage(std::string_view body, time_point now);
  service_response meter_usage(std::string_view body, time_point now);
  service_response resolve_customer(std::string_view body, time_point now);
  service_response get_entitlements(std::string_view body);

  fault_draw draw_faults();      // requires mutex_
  double next_uniform();         // requires mutex_
  std::string next_record_id();  // requires mutex_
  void commit(std::string_view operation, const std::string& product_code, const usage_record& record,
              const std::string& id, time_point now);                        // requires mutex_
  const emulated_customer* find_customer(const usage_record& record) const;  // requires mutex_
  emulated_customer* find_customer(const billed_customer& who);              // requires mutex_
  /// The request's product code, else (a license record) the product of the record's license.
  std::string product_of(const std::string& product_code,
                         const usage_record& record) const;  // requires mutex_
  static void check_identity_forms(const batch_meter_usage_input& input);
  void check_product(const std::string& product_code) const;  // requires mutex_
  void check_dimension(const std::string& product_code, const std::string& dimension,
                       std::string_view field) const;  // requires mutex_

  emulator_options limits_;  // only the scalar settings are used after construction
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::string>> products_;  // code -> dimensions (empty: any)
  std::vector<emulated_customer> customers_;
  std::unordered_map<std::string, std::size_t> by_token_, by_identifier_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_account_;
  std::vector<marketplace_entitlement> entitlements_;
  std::vector<accepted_record> records_;
  std::unordered_map<std::string, identity_entry> identities_;
  std::unordered_map<std::string, token_entry> client_tokens_;
  /// (product, customer identifier or account id, dimension, license ARN) -> sums.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, total_entry> totals_;
  fault_options faults_;
  std::uint64_t rng_state_ = 0;
  std::uint64_t id_seed_ = 0;
  std::uint64_t id_counter_ = 0;
  std::deque<fault_kind> scripted_;
  std::atomic<std::uint64_t> request_counter_{0};
  emulator_counters counters_;
};

}  // namespace awsmp::testing::detail
