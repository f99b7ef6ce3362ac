// The billing planner: every decision of the token billing tracker as pure functions of the
// ledger state, the time and the last I/O results (no I/O, no clock, no locks). The tracker's
// coroutine shell only carries out what these return: seal these accounts into these hours,
// send these batches, retire / unseal / dead-letter these records.
//
// The hour rule (AWS keeps one record per (billed customer, dimension, UTC hour); see
// docs/billing.md): an account's records use strictly increasing hours, each stamped inside
// the hour it bills and never before the account's first unbilled usage: HH:59:59 for a closed
// hour, `now` for the current one.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/metering_types.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp::detail {

/// UTC hours since the Unix epoch: the unit of AWS's record identity.
using hour_t = std::int64_t;

/// "No hour": never sealed, or no unbilled usage.
inline constexpr hour_t no_hour = std::numeric_limits<std::int32_t>::min();

/// Checks a dead-letter age (1..359 minutes: AWS refuses records 6 h old); throws
/// system_error(errc::invalid_argument) naming `field`.
void check_dead_letter_age(std::string_view field, std::chrono::minutes age);

/// The hour an instant falls in (floor, also before 1970); never throws.
hour_t hour_of(time_point t) noexcept;
/// The first instant of an hour; never throws.
time_point hour_start(hour_t h) noexcept;
/// The timestamp of a record billing hour `h` sealed at `now`: `now` inside the current hour,
/// else the last second of `h` (HH:59:59); never throws.
time_point record_stamp(hour_t h, time_point now) noexcept;

/// How far below the current hour a split may reach: records of these hours are at most
/// 4 h 59 min old when sealed, leaving AWS's 6 h window room for retries.
inline constexpr hour_t split_window_hours = 4;

/// The arithmetic settings of a ledger.
struct ledger_policy {
  std::int64_t tokens_per_unit = 1'000'000;
  rounding round = rounding::carry;
  std::int64_t max_quantity = 2147483647;  ///< largest Quantity of one record (AWS: 2^31-1)
  std::size_t max_split_records = 5;       ///< most records (hours) one seal may split a quantity into
};

/// One billed customer's unbilled tokens, the hour of its last record and the hour of its
/// earliest unbilled usage.
struct account_state {
  std::int64_t input = 0;  ///< open, since the last seal
  std::int64_t output = 0;
  std::int64_t carried = 0;  ///< consumed by earlier seals (or returned by AWS) but not billed yet
  hour_t last_sealed = no_hour;
  hour_t first_usage = no_hour;  ///< no_hour when nothing is unbilled
  friend bool operator==(const account_state&, const account_state&) = default;
};

/// True when adding the tokens would take the account's unbilled total past 2^63-1.
bool total_would_overflow(const account_state& a, std::int64_t input, std::int64_t output) noexcept;

/// Which hours a seal may use.
enum class seal_mode {
  closed_hour,   ///< flush(): the hours that have ended (the newest first)
  current_hour,  ///< stop(), settle(), bill_now(): the current hour first, then closed ones
};

/// One record a seal creates.
struct sealed_part {
  hour_t hour = 0;
  std::int32_t quantity = 0;
  time_point stamp{};
  friend bool operator==(const sealed_part&, const sealed_part&) = default;
};

/// What sealing one account does: a delta to apply to the account, and the records to create.
/// Deltas (not absolute values) so that a journal can replay seals and usage in order.
struct seal_plan {
  bool deferred = false;             ///< no free hour: the usage stays open
  std::int64_t unplaced_units = 0;   ///< units that found no free hour (stay open or carried)
  std::int64_t consumed_input = 0;   ///< subtract from input
  std::int64_t consumed_output = 0;  ///< subtract from output
  std::int64_t carried_delta = 0;    ///< add to carried
  hour_t last_sealed = no_hour;      ///< the account's last sealed hour afterwards
  hour_t first_usage = no_hour;      ///< the account's first unbilled usage afterwards
  std::vector<sealed_part> parts;
  /// Units in all parts.
  std::int64_t units() const noexcept;
};

/// Plans the seal of an account at `now`. carry: units = (carried + open) / tokens_per_unit,
/// the remainder is carried; round_up: ceil at every seal with usage; settle: ceil of the whole
/// remainder. Units above max_quantity are split over distinct free hours, newest first: an
/// hour is free when it is after the last sealed one, not before the first unbilled usage, not
/// more than split_window_hours below the current hour, and allowed by `mode`. What finds no
/// hour stays carried (counted in unplaced_units). Never throws.
seal_plan plan_seal(const account_state& a, time_point now, const ledger_policy& p, seal_mode mode,
                    bool settle) noexcept;

/// A Quantity 0 record for the hour that just ended, or nothing (parts empty) when that hour
/// has a record already or usage is open (a seal bills it instead). Never throws.
seal_plan plan_heartbeat(const account_state& a, time_point now) noexcept;

/// Applies a plan to an account (what replay and the live path both do).
void apply_seal(account_state& a, const seal_plan& plan) noexcept;

/// Gives `tokens` back to an account whose record AWS never billed (unseal, re-drive); the
/// hour it held stays taken. Returns false (nothing changed) on overflow.
bool refund(account_state& a, std::int64_t tokens, time_point now) noexcept;

/// How long run() waits from `now` for its next tick: to the next wall-clock multiple of the
/// interval when the interval divides an hour (so hourly ticks fall on the hour), else the
/// interval itself. Never zero, never longer than the interval.
std::chrono::nanoseconds next_tick_delay(time_point now, std::chrono::nanoseconds interval) noexcept;

/// How a failed BatchMeterUsage call is handled.
enum class send_failure_kind {
  retry,   ///< throttling, 5xx, timeouts, transport: records stay pending
  poison,  ///< a record-specific refusal: isolate the records; a lone record is dead-lettered
  fatal,   ///< about no record (product, dimension, license, credentials, access, local
           ///< validation): stop the flush, throw, records stay pending
};

/// The verdict on a failed call.
struct send_failure {
  send_failure_kind kind = send_failure_kind::retry;
  bool maybe_delivered =
      true;  ///< false only when the request provably never reached AWS (or AWS refused it whole)
};

/// How a failed call reads in logs and stats().last_error: AWS's error type, HTTP status and
/// message, or the exception's text; never holds secrets (aws_error carries none). Never throws
/// beyond std::bad_alloc.
std::string describe_failure(const std::exception& e);

/// Classifies an exception thrown by metering_api::batch_meter_usage; never throws.
send_failure classify_send_failure(const boost::system::system_error& e) noexcept;

/// What to do with a record after AWS's answer or its ageing.
enum class record_action {
  keep,           ///< stays pending, resent unchanged
  retire,         ///< AWS billed it
  resend,         ///< back to pending, sent again unchanged (re-drive inside AWS's window)
  unseal,         ///< AWS never billed it and the hour is another writer's: its units go back to open usage
  dead,           ///< AWS refused it for good (not billed)
  dead_in_doubt,  ///< AWS may have billed it: a dead letter marked in_doubt
};

/// The action for one record's Status; `maybe_delivered` says whether an earlier
/// transmission may have reached AWS. DuplicateRecord on a first transmission means another
/// writer holds the hour (unseal); on a resend of a possibly delivered record it is in doubt.
/// Never throws.
record_action on_status(usage_record_status status, bool maybe_delivered) noexcept;

/// The action for an idle pending record at `now`: records older than `age` leave AWS's
/// window: unsealed when they never reached AWS, else dead letters in doubt. Never throws.
record_action on_age(time_point stamp, bool maybe_delivered, time_point now,
                     std::chrono::minutes age) noexcept;

/// The action when a re-drive meets a dead letter: refused (keep) when in doubt unless
/// `force`; resent unchanged while inside `age`; else its units go
/// back to open usage (unseal). Never throws.
record_action on_redrive(time_point stamp, bool in_doubt, bool force, time_point now,
                         std::chrono::minutes age) noexcept;

/// The accumulator key of a billed customer: the legacy id itself, or "\x01<account>\x01<license>"
/// (a legacy id never holds a control character, so the two never meet). Never throws beyond
/// std::bad_alloc.
std::string account_key(const billed_customer& who);
/// The key of the customer a record bills.
std::string account_key(const usage_record& r);
/// The customer a key names; never throws beyond std::bad_alloc.
billed_customer customer_of_key(std::string_view key);
}  // namespace awsmp::detail
