// token_billing_tracker: counts LLM tokens per customer and bills them to AWS Marketplace
// without losing or double-billing a unit (see docs/billing.md for the guarantees).
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/metering_types.hpp>
#include <awsmp/subscription_store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awsmp {

/// One customer's usage that has not been billed yet, as snapshot() reports it.
struct token_usage_record {
  std::string customer_identifier;
  std::int64_t input_tokens = 0;    ///< since the last flush
  std::int64_t output_tokens = 0;
  std::int64_t carried_tokens = 0;  ///< remainder below one billing unit, from earlier flushes
  std::int64_t total_tokens = 0;    ///< input + output + carried: not yet billed
  time_point timestamp{};           ///< when the snapshot was taken (the tracker's clock)
  friend bool operator==(const token_usage_record&, const token_usage_record&) = default;
};

/// How a flush turns tokens into billing units.
enum class rounding {
  carry,     ///< default: bill whole units, carry the remainder to the next flush (never overbills)
  round_up,  ///< the Go original: ceil(total / tokens_per_unit) at every flush with usage, no carry
};

/// A record AWS refused for good (or that aged out of AWS's 6-hour window), with the reason.
struct dead_letter {
  usage_record record;
  std::string reason;
  friend bool operator==(const dead_letter&, const dead_letter&) = default;
};

/// Settings of a token_billing_tracker; every default is documented here.
struct token_billing_options {
  std::string dimension = std::string(dimension_tokens);  ///< the metering dimension of every record
  std::int64_t tokens_per_unit = 1'000'000;  ///< tokens in one billing unit; >= 1
  rounding round = rounding::carry;
  std::size_t batch_concurrency = 4;         ///< BatchMeterUsage calls in flight during a flush; >= 1
  std::filesystem::path journal;             ///< empty: in memory only (a crash loses unbilled usage)

  clock_function clock;                      ///< wall clock for timestamps; empty: system_clock::now
  subscription_store* heartbeat_store = nullptr;  ///< when set: hourly Quantity 0 records for active subscribers without usage
  std::chrono::minutes dead_letter_age{350}; ///< records this old are dead-lettered before AWS's 6 h limit; 1..359 min
  std::uint64_t compaction_bytes = 64ull << 20;  ///< compact the journal when it grows past this size; 0: never
  int max_send_rounds = 3;                   ///< per flush: how often UnprocessedRecords are resent before flush returns; >= 1
  std::size_t max_split_records = 60;        ///< a quantity above 2^31-1 is split over at most this many minutes per flush; 1..300
};

/// Counters and health of a tracker, for observability; a consistent-enough snapshot (each
/// counter is read atomically, not all together).
struct token_billing_stats {
  std::uint64_t record_usage_calls = 0;      ///< record_usage calls that were accepted
  std::uint64_t tokens_recorded = 0;         ///< input + output tokens accepted (wraps after 2^64)
  std::uint64_t customers = 0;               ///< customers with an accumulator
  std::uint64_t records_sealed = 0;          ///< usage records created (heartbeats included)
  std::uint64_t heartbeats_sealed = 0;       ///< of which Quantity 0 heartbeats
  std::uint64_t records_sent = 0;            ///< record transmissions (a resend counts again)
  std::uint64_t records_acknowledged = 0;    ///< answered Success by AWS
  std::uint64_t records_pending = 0;         ///< sealed and not yet answered
  std::uint64_t records_dead_lettered = 0;
  std::uint64_t retries = 0;                 ///< resends of a record already sent once
  std::uint64_t flushes = 0;
  std::uint64_t units_sealed = 0;            ///< billing units in sealed records
  std::uint64_t journal_bytes = 0;           ///< current journal file size (0 without journal)
  std::uint64_t journal_commits = 0;         ///< fdatasync calls (group commits)
  std::uint64_t journal_compactions = 0;
  std::uint64_t journal_max_sync_micros = 0; ///< longest write + fdatasync: how long one executor thread was blocked
  std::string last_error;                    ///< last failure of a send, flush or journal write; never holds secrets
  std::optional<time_point> last_error_at;
};

namespace detail { class token_billing_core; }

/// Counts tokens per customer and meters them to AWS Marketplace. Thread-safe: every function
/// may be called from any thread of the executor. record_usage runs in the caller's coroutine
/// (no hop to a strand); flush, settle, run and stop serialise on the tracker's own strand.
/// `metering` (and options.heartbeat_store) must outlive the tracker. The tracker creates no
/// threads; with a journal, fdatasync runs on the executor's threads (one at a time, group commit).
class token_billing_tracker {
public:
  /// Opens (replaying) or creates the journal when one is configured. Throws
  /// system_error(errc::invalid_argument) for bad options or product code,
  /// system_error(errc::journal_corrupt) for a damaged or foreign journal, and system_error
  /// with the OS error when the journal cannot be opened.
  token_billing_tracker(asio::any_io_executor ex, std::string product_code, metering_api& metering,
                        token_billing_options options = {});
  ~token_billing_tracker();
  token_billing_tracker(const token_billing_tracker&) = delete;
  token_billing_tracker& operator=(const token_billing_tracker&) = delete;

  /// Adds tokens to the customer's open usage. Throws system_error(errc::invalid_argument)
  /// (empty or >255-byte id, control characters, negative tokens, a customer total above
  /// 2^63-1) before anything is recorded, errc::stopped after stop(); with a journal, completes
  /// only once the usage is durable and throws the OS error when the journal write failed.
  awaitable<void> record_usage(std::string customer_identifier, std::int64_t input_tokens,
                               std::int64_t output_tokens);

  /// Every customer with unbilled tokens (open or carried), ordered by customer; never throws
  /// beyond std::bad_alloc.
  awaitable<std::vector<token_usage_record>> snapshot();

  /// Seals open usage and sends everything pending (new and earlier unanswered records) in
  /// batches; returns AWS's results, and in unprocessed_records what is still pending. Throws
  /// only for errors no retry can fix (e.g. invalid product code, journal failure), with
  /// nothing lost: the records stay pending.
  awaitable<batch_meter_usage_output> flush();

  /// Flushes every `interval` on a steady_timer until stop() (ticks aligned to wall-clock
  /// multiples of the interval when it divides an hour); flush failures are logged and kept in
  /// stats(). Returns at once after stop(). Throws system_error(errc::invalid_argument) for a
  /// non-positive interval or when another run() is active.
  awaitable<void> run(std::chrono::nanoseconds interval = std::chrono::hours(1));

  /// Cancels run(), does the final flush and completes after it; later record_usage calls
  /// throw errc::stopped. Carried remainders stay unbilled (in the journal): settle() them
  /// first if the product is shutting down for good. Throws like flush().
  awaitable<void> stop();

  /// Bills a customer's whole remainder (open and carried), rounded up to whole units, and
  /// sends it; for unsubscribe. Returns the units sealed (0 when nothing was left). Waits for
  /// the next UTC minute (≤ 60 s) when the customer was already sealed in this minute.
  /// Throws system_error(errc::invalid_argument) for a bad id; send failures keep the record pending.
  awaitable<std::int64_t> settle(std::string customer_identifier);

  /// Records AWS refused for good, oldest first; never throws beyond std::bad_alloc.
  awaitable<std::vector<dead_letter>> dead_letters();

  /// Counters; callable from any thread, never throws beyond std::bad_alloc.
  token_billing_stats stats() const;

private:
  std::shared_ptr<detail::token_billing_core> core_;
};

}  // namespace awsmp
