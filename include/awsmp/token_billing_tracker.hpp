// token_billing_tracker: counts LLM tokens per customer and bills them to AWS Marketplace
// without losing or double-billing a unit (see docs/billing.md for the guarantees).
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/fleet_ledger.hpp>
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

/// One billed customer's usage that has not been billed yet, as snapshot() reports it.
struct token_usage_record {
  std::string customer_identifier;  ///< the legacy form's id; empty in the account form (see customer)
  std::int64_t input_tokens = 0;    ///< since the last flush
  std::int64_t output_tokens = 0;
  std::int64_t carried_tokens = 0;  ///< remainder below one billing unit, from earlier flushes
  std::int64_t total_tokens = 0;    ///< input + output + carried: not yet billed
  time_point timestamp{};           ///< when the snapshot was taken (the tracker's clock)
  billed_customer customer;         ///< who it bills, in either form
  friend bool operator==(const token_usage_record&, const token_usage_record&) = default;
};

/// How a flush turns tokens into billing units.
enum class rounding {
  carry,     ///< default: bill whole units, carry the remainder to the next flush (never overbills)
  round_up,  ///< the Go original: ceil(total / tokens_per_unit) at every flush with usage, no carry
};

/// A record AWS refused for good, or that aged out of AWS's 6-hour window after a
/// transmission that may have reached AWS, with the reason.
struct dead_letter {
  usage_record record;
  std::string reason;
  bool in_doubt = false;    ///< AWS may have billed it (sent, answer lost): re-drive only if forced
  std::uint32_t sends = 0;  ///< transmissions made
  friend bool operator==(const dead_letter&, const dead_letter&) = default;
};

/// Settings of a token_billing_tracker; every default is documented here.
struct token_billing_options {
  std::string dimension = std::string(dimension_tokens);  ///< the metering dimension of every record
  std::int64_t tokens_per_unit = 1'000'000;               ///< tokens in one billing unit; >= 1
  rounding round = rounding::carry;
  std::size_t batch_concurrency = 4;  ///< BatchMeterUsage calls in flight during a flush; >= 1
  std::filesystem::path journal;      ///< empty: in memory only (a crash loses unbilled usage)

  clock_function clock;  ///< wall clock for timestamps; empty: system_clock::now
  subscription_store* heartbeat_store =
      nullptr;  ///< when set: hourly Quantity 0 records for active subscribers without usage
  std::chrono::minutes dead_letter_age{
      default_dead_letter_age};  ///< unanswered records this old leave AWS's 6 h window (unsealed if never
                                 ///< delivered, else dead letters in doubt); 1..359 min
  std::uint64_t compaction_bytes = 64ull
                                   << 20;  ///< compact the journal when it grows past this size; 0: never
  int max_send_rounds = 3;  ///< per flush: how often UnprocessedRecords are resent before flush returns; >= 1
  std::size_t max_split_records = 60;  ///< a quantity above 2^31-1 is split over at most this many distinct
                                       ///< hours per seal; 1..300 (AWS's window allows 5)
  /// When set, the tracker meters as one instance of a fleet (docs/fleet.md): it journals its
  /// usage, pushes cumulative shares to the fleet table, and seals and sends only while it holds
  /// the fleet's lease. Requires a journal (the shares are replayed from it).
  std::optional<fleet_options> fleet;
};

/// Counters and health of a tracker, for observability; a consistent-enough snapshot (each
/// counter is read atomically, not all together).
struct token_billing_stats {
  std::uint64_t record_usage_calls = 0;    ///< record_usage calls that were accepted
  std::uint64_t tokens_recorded = 0;       ///< input + output tokens accepted (wraps after 2^64)
  std::uint64_t customers = 0;             ///< customers with an accumulator
  std::uint64_t records_sealed = 0;        ///< usage records created (heartbeats included)
  std::uint64_t heartbeats_sealed = 0;     ///< of which Quantity 0 heartbeats
  std::uint64_t records_sent = 0;          ///< record transmissions (a resend counts again)
  std::uint64_t records_acknowledged = 0;  ///< answered Success by AWS
  std::uint64_t records_pending = 0;       ///< sealed and not yet answered
  std::uint64_t records_dead_lettered = 0;
  std::uint64_t retries = 0;  ///< resends of a record already sent once
  std::uint64_t flushes = 0;
  std::uint64_t units_sealed = 0;  ///< billing units in sealed records
  std::uint64_t units_unsealed =
      0;  ///< units AWS never billed that went back to open usage (another writer's hour, outages)
  std::uint64_t units_unbilled =
      0;  ///< whole units the last stop() found no free hour for (0 with a journal, which keeps them)
  std::uint64_t journal_bytes = 0;    ///< current journal file size (0 without journal)
  std::uint64_t journal_commits = 0;  ///< fdatasync calls (group commits)
  std::uint64_t journal_compactions = 0;
  std::uint64_t journal_max_sync_micros =
      0;                   ///< longest write + fdatasync: how long one executor thread was blocked
  std::string last_error;  ///< last failure of a send, flush or journal write; never holds secrets
  std::optional<time_point> last_error_at;
  std::optional<fleet_ledger_stats> fleet;  ///< set in fleet mode
};

namespace detail {
class token_billing_core;
}

/// Counts tokens per billed customer and meters them to AWS Marketplace, one record per
/// (customer, dimension, UTC hour): flush() bills the hour that just ended (stamped HH:59:59),
/// stop(), settle() and bill_now() the current one (stamped now). Thread-safe: every function
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

  /// Adds tokens to the customer's open usage (the legacy form: CustomerIdentifier with the
  /// tracker's product code). Throws system_error(errc::invalid_argument) (the rule book's
  /// identifier rule, negative tokens, a customer total above 2^63-1, an empty product code)
  /// before anything is recorded, errc::stopped after stop(); with a journal, completes only
  /// once the usage is durable and throws the OS error when the journal write failed. A call
  /// that returns normally is billed (or journaled), even when stop() runs concurrently.
  awaitable<void> record_usage(std::string customer_identifier, std::int64_t input_tokens,
                               std::int64_t output_tokens);
  /// The same for either identity form; the account form (CustomerAWSAccountId + LicenseArn) is
  /// billed without a ProductCode, and each license of an account is its own customer. Throws
  /// like the legacy overload, naming customer.<member> for a bad identity.
  awaitable<void> record_usage(billed_customer who, std::int64_t input_tokens, std::int64_t output_tokens);

  /// Every customer with unbilled tokens (open or carried), ordered by customer; never throws
  /// beyond std::bad_alloc.
  awaitable<std::vector<token_usage_record>> snapshot();

  /// Bills every customer's whole units in the hour that just ended (stamped HH:59:59; usage
  /// that began in the current hour waits for the next hour's flush, or for stop()), then sends
  /// everything pending (new and earlier unanswered records) in batches; returns AWS's results,
  /// and in unprocessed_records what is still pending. Calling it any number of times never
  /// makes a second record for an hour. Throws only for errors about no single record
  /// (credentials, access, product, dimension, license, journal failure), with nothing lost:
  /// the records stay pending and stats().last_error says why.
  awaitable<batch_meter_usage_output> flush();

  /// Flushes every `interval` on a steady_timer until stop() (ticks aligned to wall-clock
  /// multiples of the interval when it divides an hour); flush failures are logged and kept in
  /// stats(). Returns at once after stop(). Throws system_error(errc::invalid_argument) for a
  /// non-positive interval or when another run() is active.
  awaitable<void> run(std::chrono::nanoseconds interval = std::chrono::hours(1));

  /// Cancels run(), refuses later record_usage calls (errc::stopped), bills every customer's
  /// whole units in the current hour (stamped now) and sends everything pending; completes
  /// after that. Units of customers whose current hour already has a record stay unbilled:
  /// kept in the journal, or counted in stats().units_unbilled without one. Carried remainders
  /// below one unit stay unbilled too: settle() them first if the product shuts down for good.
  /// In fleet mode it pushes the instance's shares, seals closed hours if it holds the lease,
  /// and gives the lease up; the current hour is left to the fleet (docs/fleet.md).
  /// Throws like flush().
  awaitable<void> stop();

  /// Bills a customer's whole remainder (open and carried), rounded up to whole units, in the
  /// current hour (stamped now, or in a free closed hour of AWS's window when the current one
  /// is taken), and sends it; for unsubscribe. Returns the units sealed: 0 when nothing was
  /// left or no hour is free (the usage then stays open; it never waits). Throws
  /// system_error(errc::invalid_argument) for a bad id; send failures keep the record pending.
  awaitable<std::int64_t> settle(std::string customer_identifier);
  /// The same for either identity form.
  awaitable<std::int64_t> settle(billed_customer who);

  /// Bills `who`'s open whole units now (the current hour, stamped now) without rounding up
  /// the carried remainder, and sends them; for unsubscribe-pending / Purchase Agreement
  /// Ended, which leave one hour to send final records. Returns the units sealed (0 when no
  /// hour is free). Throws system_error(errc::invalid_argument) for a bad identity.
  awaitable<std::int64_t> bill_now(billed_customer who);

  /// Moves dead letters back: resent unchanged while inside AWS's window, else their units go
  /// back to open usage and are billed in a free hour. In-doubt ones (AWS may have billed them)
  /// are kept unless `force`. Returns how many were moved; never sends (the next flush does).
  /// Throws the journal's error when the move cannot be journaled. In fleet mode it moves the
  /// fleet's dead letters in the shared table (redrive_fleet_dead_letters with this tracker's
  /// settings; the lease holder sends them) and throws what DynamoDB throws.
  awaitable<std::size_t> redrive_dead_letters(bool force = false);

  /// Records AWS refused for good, oldest first; never throws beyond std::bad_alloc.
  awaitable<std::vector<dead_letter>> dead_letters();

  /// Counters; callable from any thread, never throws beyond std::bad_alloc.
  token_billing_stats stats() const;

 private:
  std::shared_ptr<detail::token_billing_core> core_;
};

}  // namespace awsmp
