// The sealed records of the token billing tracker and its dead letters, pure: no I/O, no
// clock (time is a parameter), no locks. Every decision comes from billing_planner.hpp; this
// class keeps the books (which record is pending, in flight, how often sent, possibly
// delivered) and groups records into requests.
#pragma once

#include <awsmp/metering_types.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "billing/billing_planner.hpp"

namespace awsmp::detail {

/// A sealed record awaiting AWS's answer.
struct pending_record {
  std::uint64_t seq = 0;
  usage_record record;
  std::uint32_t sends = 0;       ///< transmissions so far
  bool maybe_delivered = false;  ///< an earlier transmission may have reached AWS
  bool isolate = false;          ///< send alone (it shared a batch with a record-specific refusal)
  bool in_flight = false;
};

/// Pessimistic size of one record in a BatchMeterUsage body (every character escaped as \\uXXXX).
std::size_t estimate_record_bytes(const usage_record& r) noexcept;
/// Size of the body around the records (product code, brackets).
std::size_t estimate_envelope_bytes(std::string_view product_code) noexcept;

/// A record leaving the pending set for a dead letter.
struct dead_move {
  std::uint64_t seq = 0;
  std::string reason;
  bool in_doubt = false;
  std::uint32_t sends = 0;
};

/// A record AWS never billed whose units go back to the account's open usage.
struct unseal_move {
  std::uint64_t seq = 0;
  usage_record record;
};

/// What one answer, failure or ageing did to the ledger (already applied to it).
struct batch_outcome {
  std::vector<std::uint64_t> acknowledged;
  std::vector<dead_move> dead;
  std::vector<unseal_move> unsealed;
  std::vector<std::uint64_t> unprocessed;     ///< still pending
  std::vector<std::uint64_t> unknown_status;  ///< of which answered with a Status awsmp does not know
  bool empty() const noexcept { return acknowledged.empty() && dead.empty() && unsealed.empty(); }
};

/// One request the ledger planned: records of one identity form (the account form goes without
/// a product code, the legacy form with the tracker's).
struct planned_batch {
  bool account_form = false;
  std::vector<std::uint64_t> seqs;
};

/// A dead letter with the sequence number it had while pending (its identity for re-drive).
struct dead_entry {
  std::uint64_t seq = 0;
  dead_letter letter;
};

/// What a re-drive decided for one dead letter (already applied to the ledger).
struct redrive_move {
  std::uint64_t old_seq = 0;
  std::uint64_t new_seq = 0;  ///< the pending record it became (resend), 0 for unseal
  usage_record record;
};

/// Sealed records not yet answered and the dead letters: the part of the ledger that a flush
/// works on (accounts live in the sharded accumulator).
class usage_ledger {
 public:
  /// Adds a sealed record under the next sequence number and returns it.
  std::uint64_t add(usage_record record);
  /// Adds a record under a known sequence number (journal replay); a duplicate seq replaces.
  /// A replayed record may have been sent before the crash: maybe_delivered defaults to true.
  void restore(std::uint64_t seq, usage_record record, std::uint32_t sends = 0, bool maybe_delivered = true);
  /// Removes a pending record (AWS accepted it, or it was unsealed); unknown seqs are ignored.
  void acknowledge(std::uint64_t seq);
  /// Moves a pending record to the dead letters (its sends at least `min_sends`, for replay);
  /// unknown seqs are ignored.
  void kill(std::uint64_t seq, std::string reason, bool in_doubt, std::uint32_t min_sends = 0);
  /// Appends a dead letter directly (journal replay of a compacted file).
  void restore_dead(std::uint64_t seq, dead_letter d);
  /// Removes a dead letter (re-drive replay); unknown seqs are ignored.
  void remove_dead(std::uint64_t seq);

  /// Ages idle pending records out of AWS's window (billing_planner on_age): never-delivered
  /// ones are unsealed, possibly delivered ones become dead letters in doubt.
  batch_outcome expire(time_point now, std::chrono::minutes age);

  /// Groups idle pending records (oldest first, one form per request) into batches of at most
  /// `max_records` whose estimated body stays below `max_bytes`; isolated records go alone.
  /// Marks them in flight.
  std::vector<planned_batch> plan_batches(std::string_view product_code, std::size_t max_records,
                                          std::size_t max_bytes);
  /// The request of a planned batch; counts a transmission of each record.
  batch_meter_usage_input make_request(std::string_view product_code, const planned_batch& batch);
  /// Applies AWS's answer (billing_planner on_status per record). Unprocessed records stay
  /// pending; records the answer does not mention stay pending and count as possibly delivered.
  batch_outcome apply_response(const planned_batch& batch, const batch_meter_usage_output& out);
  /// Applies a failed call: records stay pending (possibly delivered when the failure says
  /// so); a lone poison record becomes a dead letter.
  batch_outcome apply_failure(const planned_batch& batch, const send_failure& failure,
                              std::string_view reason);
  /// Returns a batch that was never sent to idle, unchanged.
  void release(const planned_batch& batch);

  /// Re-drives dead letters (billing_planner on_redrive): resent ones become pending under a
  /// new seq, the others are returned for unseal; in-doubt ones stay unless `force`.
  std::vector<redrive_move> redrive(bool force, time_point now, std::chrono::minutes age);

  const std::map<std::uint64_t, pending_record>& pending() const noexcept { return pending_; }
  const std::vector<dead_entry>& dead_letters() const noexcept { return dead_; }
  std::uint64_t next_seq() const noexcept { return next_seq_; }
  /// Raises the next sequence number to at least `seq` (replay).
  void reserve_seq(std::uint64_t seq) noexcept;

 private:
  std::map<std::uint64_t, pending_record> pending_;
  std::vector<dead_entry> dead_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace awsmp::detail
