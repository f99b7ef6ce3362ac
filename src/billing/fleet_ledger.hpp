// Fleet metering, I/O part: one tracker's side of the fleet table. It pushes the instance's
// cumulative shares (idempotent: a monotonic condition), holds the sealing lease, seals keys'
// hours in conditional transactions, sends the sealed records and marks them answered. Runs on
// the tracker's strand under its mutex (no locking of its own besides the counters).
#pragma once

#include <atomic>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "billing/billing_planner.hpp"
#include "billing/fleet_rows.hpp"
#include "billing/usage_ledger.hpp"

namespace awsmp::detail {

/// A key's cumulative tokens in this instance (input + output ever recorded).
struct fleet_total {
  std::string key;
  std::int64_t total = 0;
};

/// Every key of one shard partition of `product_code` (one strongly consistent Query, every
/// page). Throws what the client throws, errc::store_corrupt for an item that is not awsmp's.
awaitable<std::vector<fleet_key>> read_fleet_shard(dynamodb::dynamodb_client& db, std::string table,
                                                   std::string_view product_code, std::uint32_t shard);

/// One tracker's side of the fleet table. DynamoDB failures never throw out of it: they are
/// counted, handed to `report` (the tracker's last_error) and retried by the next call, since
/// everything is durable in the journal or the table. Only a metering failure about no single
/// record (credentials, product, access) is thrown, as the tracker does without a fleet.
class fleet_ledger {
 public:
  /// `options` checked by the caller (check_fleet_options).
  fleet_ledger(asio::strand<asio::any_io_executor> strand, fleet_options options, std::string product_code,
               std::string dimension, ledger_policy policy, metering_api& metering,
               std::chrono::minutes dead_letter_age, clock_function clock,
               std::function<void(const std::string&)> report);

  /// Writes the shares that changed since the last successful push (one PutItem per key,
  /// conditional on the table's total being lower). Returns false when a call failed; the
  /// shares written so far stay written, the rest go with the next push.
  awaitable<bool> push(std::vector<fleet_total> totals, time_point now);

  /// Takes or renews the lease; when held, seals every key's newest closed hour (past the
  /// grace) and sends everything pending. Returns false when another instance holds the lease
  /// or DynamoDB failed. Throws metering's error for a failure about no record.
  awaitable<bool> seal_and_send(time_point now, batch_meter_usage_output* out);

  /// Seals one key in the current hour (settle rounds up), whether or not this instance holds
  /// the lease (the transaction's condition keeps the hour unique), and sends its records.
  /// Returns the units sealed (0 when the hour is taken, nothing is left or DynamoDB failed).
  /// Throws like seal_and_send.
  awaitable<std::int64_t> seal_now(std::string key, bool settle, time_point now,
                                   batch_meter_usage_output* out);

  /// Gives the lease up when this instance holds it (stop()); never throws for a failed call.
  awaitable<void> release(time_point now);

  /// Moves the fleet's dead letters of this dimension back (redrive_fleet_dead_letters with
  /// this instance's settings) and keeps the ones left as dead_letters(). Returns how many
  /// moved. Throws what the DynamoDB client throws (the tracker reports it).
  awaitable<std::size_t> redrive(bool force, time_point now);

  /// The dead letters the last seal_and_send or redrive read from the table.
  const std::vector<dead_letter>& dead_letters() const noexcept { return dead_; }

  fleet_ledger_stats stats() const;

 private:
  awaitable<void> push_one(const fleet_total& t, time_point now);
  awaitable<bool> take_lease(time_point now);
  awaitable<bool> keep_lease();
  awaitable<bool> seal_key(const fleet_key& k, const fleet_seal& s);
  awaitable<void> send(std::vector<fleet_record_row> rows, std::size_t fresh_from, time_point now,
                       batch_meter_usage_output* out);
  awaitable<void> write_outcomes(const std::vector<fleet_record_row>& rows,
                                 const std::vector<std::uint64_t>& acked,
                                 const std::vector<dead_move>& killed,
                                 const std::vector<unseal_move>& unsealed);
  void failed(const std::string& stage, const std::exception& e);
  template <class Fn>
  awaitable<void> for_each_concurrently(std::size_t n, Fn fn);

  asio::strand<asio::any_io_executor> strand_;
  fleet_options options_;
  dynamodb::dynamodb_client& db_;
  std::string product_code_;
  std::string dimension_;
  ledger_policy policy_;
  metering_api& metering_;
  std::chrono::minutes dead_letter_age_;
  clock_function clock_;
  std::function<void(const std::string&)> report_;
  std::unordered_map<std::string, fleet_push> pushed_;  // key -> what this instance last wrote
  std::vector<dead_letter> dead_;
  time_point lease_written_{};  // when this instance last wrote the lease (its clock)
  bool renewing_ = false;
  hour_t swept_ = no_hour;      // the hour whose every key this instance sealed and sent last
  std::size_t unanswered_ = 0;  // records that may wait in the table since that sweep (unsent, unanswered,
                                // left by a failed delete, or of a contested seal): the next round rescans
  bool rescan_ = false;         // dead letters were redriven since that sweep (the lease's mark)

  std::atomic<std::uint64_t> pushes_{0}, share_writes_{0}, share_stale_{0}, leases_{0}, sealed_{0},
      conflicts_{0}, sent_{0}, acked_{0}, dead_count_{0}, units_{0}, failures_{0};
  std::atomic<bool> held_{false};
  std::atomic<std::int64_t> last_hour_{-1};
};

}  // namespace awsmp::detail
