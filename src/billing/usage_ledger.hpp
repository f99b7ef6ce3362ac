// The billing arithmetic and bookkeeping of the token billing tracker, pure: no I/O, no clock
// (time is a parameter), no locks. Everything here is unit-tested with exact numbers.
#pragma once

#include <awsmp/metering_types.hpp>
#include <awsmp/token_billing_tracker.hpp>

#include <boost/system/system_error.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awsmp::detail {

/// Minutes since the Unix epoch (UTC): the unit of the "one record per minute" rule.
using minute_t = std::int64_t;

/// The minute an instant falls in (floor, also before 1970); never throws.
minute_t minute_of(time_point t) noexcept;
/// The first instant of a minute; never throws.
time_point minute_start(minute_t m) noexcept;

/// Last-sealed minute of a customer that was never sealed.
inline constexpr minute_t never_sealed = std::numeric_limits<std::int32_t>::min();

/// The arithmetic settings of a ledger.
struct ledger_policy {
  std::int64_t tokens_per_unit = 1'000'000;
  rounding round = rounding::carry;
  std::int64_t max_quantity = 2147483647;  ///< largest Quantity of one record (AWS: 2^31-1)
  std::size_t max_split_records = 60;      ///< most records one seal may split a quantity into
};

/// One customer's unbilled tokens and the minute of its last record.
struct account_state {
  std::int64_t input = 0;    ///< open, since the last seal
  std::int64_t output = 0;
  std::int64_t carried = 0;  ///< consumed by earlier seals but not billed yet
  minute_t last_sealed = never_sealed;
  friend bool operator==(const account_state&, const account_state&) = default;
};

/// True when adding the tokens would take the customer's unbilled total past 2^63-1.
bool total_would_overflow(const account_state& a, std::int64_t input, std::int64_t output) noexcept;

/// One record a seal creates.
struct sealed_part {
  minute_t minute = 0;
  std::int32_t quantity = 0;
  friend bool operator==(const sealed_part&, const sealed_part&) = default;
};

/// What sealing one account does: a delta to apply to the account, and the records to create.
/// Deltas (not absolute values) so that a journal can replay seals and usage in any order.
struct seal_plan {
  bool deferred = false;             ///< minute rule: sealed in this minute already, usage stays open
  std::int64_t consumed_input = 0;   ///< subtract from input
  std::int64_t consumed_output = 0;  ///< subtract from output
  std::int64_t carried_delta = 0;    ///< add to carried
  minute_t last_sealed = never_sealed;  ///< the account's last sealed minute afterwards
  std::vector<sealed_part> parts;
  /// Units in all parts.
  std::int64_t units() const noexcept;
};

/// Plans the seal of an account at minute `now`. carry: units = (carried + open) / tokens_per_unit,
/// the remainder is carried; round_up: ceil at every seal with usage; settle: ceil of the whole
/// remainder. Units above max_quantity are split over the minutes now, now-1, ... (only minutes
/// after the last sealed one, at most max_split_records); what does not fit stays carried.
seal_plan plan_seal(const account_state& a, minute_t now, const ledger_policy& p, bool settle) noexcept;

/// True when a heartbeat (Quantity 0 record) is due: nothing sealed in `now`'s UTC hour and no
/// open usage (which a seal will bill instead).
bool heartbeat_due(const account_state& a, minute_t now) noexcept;

/// How long run() waits from `now` for its next tick: to the next wall-clock multiple of the
/// interval when the interval divides an hour (so hourly ticks fall on the hour), else the
/// interval itself. Never zero, never longer than the interval.
std::chrono::nanoseconds next_tick_delay(time_point now, std::chrono::nanoseconds interval) noexcept;

/// Applies a plan to an account (what replay and the live path both do).
void apply_seal(account_state& a, const seal_plan& plan) noexcept;

/// How a failed BatchMeterUsage call is handled.
enum class send_failure_kind {
  retry,   ///< throttling, 5xx, timeouts, transport: records stay pending
  poison,  ///< a record-specific refusal: isolate the records; a lone record is dead-lettered
  fatal,   ///< no retry can fix it now (product code, credentials, access): stop the flush, throw
};

/// Classifies an exception thrown by metering_api::batch_meter_usage; never throws.
send_failure_kind classify_send_failure(const boost::system::system_error& e) noexcept;

/// A sealed record awaiting AWS's answer.
struct pending_record {
  std::uint64_t seq = 0;
  usage_record record;
  std::uint32_t sends = 0;   ///< transmissions so far
  bool isolate = false;      ///< send alone (it shared a batch with a record-specific refusal)
  bool in_flight = false;
};

/// Pessimistic size of one record in a BatchMeterUsage body (every character escaped as \\uXXXX).
std::size_t estimate_record_bytes(const usage_record& r) noexcept;
/// Size of the body around the records (product code, brackets).
std::size_t estimate_envelope_bytes(std::string_view product_code) noexcept;

/// What one BatchMeterUsage answer did to the ledger.
struct batch_outcome {
  std::vector<std::uint64_t> acknowledged;
  std::vector<std::pair<std::uint64_t, std::string>> dead;  ///< seq, reason
  std::vector<std::uint64_t> unprocessed;                   ///< still pending
};

/// Sealed records not yet answered and the dead letters: the part of the ledger that a flush
/// works on (accumulators live in the sharded accumulator).
class usage_ledger {
public:
  /// Adds a sealed record under the next sequence number and returns it.
  std::uint64_t add(usage_record record);
  /// Adds a record under a known sequence number (journal replay); a duplicate seq replaces.
  void restore(std::uint64_t seq, usage_record record);
  /// Removes a record AWS accepted; unknown seqs are ignored (replay of an old ack).
  void acknowledge(std::uint64_t seq);
  /// Moves a pending record to the dead letters; unknown seqs are ignored.
  void kill(std::uint64_t seq, std::string reason);
  /// Appends a dead letter directly (journal replay of a compacted file).
  void restore_dead(dead_letter d);

  /// Dead-letters every idle pending record whose timestamp is at or before `now - age`
  /// (AWS rejects records 6 h after the event); returns (seq, reason) of each.
  std::vector<std::pair<std::uint64_t, std::string>> expire(time_point now, std::chrono::minutes age);

  /// Groups idle pending records (oldest first) into batches of at most `max_records` whose
  /// estimated body stays below `max_bytes`; isolated records go alone. Marks them in flight.
  std::vector<std::vector<std::uint64_t>> plan_batches(std::string_view product_code,
                                                       std::size_t max_records, std::size_t max_bytes);
  /// The request of a planned batch; counts a transmission of each record.
  batch_meter_usage_input make_request(std::string_view product_code, const std::vector<std::uint64_t>& batch);
  /// Applies AWS's answer: Success retires, CustomerNotSubscribed and DuplicateRecord
  /// dead-letter, UnprocessedRecords and records AWS did not mention stay pending.
  batch_outcome apply_response(const std::vector<std::uint64_t>& batch, const batch_meter_usage_output& out);
  /// Applies a failed call; returns the records it dead-lettered (only for a lone poison record).
  batch_outcome apply_failure(const std::vector<std::uint64_t>& batch, send_failure_kind kind,
                              std::string_view reason);

  const std::map<std::uint64_t, pending_record>& pending() const noexcept { return pending_; }
  const std::vector<dead_letter>& dead_letters() const noexcept { return dead_; }
  std::uint64_t next_seq() const noexcept { return next_seq_; }
  /// Raises the next sequence number to at least `seq` (replay).
  void reserve_seq(std::uint64_t seq) noexcept;

private:
  std::map<std::uint64_t, pending_record> pending_;
  std::vector<dead_letter> dead_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace awsmp::detail
