// Fleet metering, pure part: how the fleet table lays out its items (docs/fleet.md "Table
// design"), the strict decoding that turns a foreign or damaged item into errc::store_corrupt,
// and the seal decision for one key. No I/O, no clock: time is a parameter.
//
// Items (pk, sk strings; D = dimension, K = the tracker's account key, ␟ = \x1f):
//   lease    pk "lease"                 sk "seal"            holder, expires (ms); redriven (ms): dead
//                                                             letters are pending again (holder rescans)
//   share    pk "u#<product>#<shard>"   sk D␟K␟s␟<instance>  total: the instance's cumulative tokens;
//                                                             hour of the push, before: total at its
//                                                             last push in an earlier hour
//   state    pk  (same)                 sk D␟K␟t             consumed: tokens in sealed records; hour
//   record   pk  (same)                 sk D␟K␟r␟<hour>      quantity, stamp, status; when dead:
//                                                             reason, doubt (1: AWS may have billed it)
// One Query of a shard partition returns every key's shares, state and records together,
// ordered by key.
#pragma once

#include <awsmp/dynamodb_attribute_value.hpp>
#include <awsmp/dynamodb_requests.hpp>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/metering_types.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/billing_planner.hpp"

namespace awsmp::detail {

inline constexpr std::string_view fleet_lease_pk = "lease";
inline constexpr std::string_view fleet_lease_sk = "seal";
/// The lease item's mark that dead letters were redriven: the holder's next round rescans.
inline constexpr std::string_view fleet_lease_redriven = "redriven";
inline constexpr char fleet_separator = '\x1f';
inline constexpr std::string_view fleet_status_pending = "pending";
inline constexpr std::string_view fleet_status_dead = "dead";

/// An instant as the table stores it (milliseconds since 1970) and back; never throw.
std::int64_t fleet_ms(time_point t) noexcept;
time_point fleet_time(std::int64_t ms) noexcept;

/// Checks fleet options (client, table name, instance id, lease, grace, shards, concurrency);
/// throws system_error(errc::invalid_argument) naming the field and the rule.
void check_fleet_options(const fleet_options& o);

/// The shard a key lives in: crc32c of D␟K modulo `shards`; never throws.
std::uint32_t fleet_shard(std::string_view dimension, std::string_view key, std::uint32_t shards) noexcept;
/// The partition key of a shard; never throws beyond std::bad_alloc.
std::string fleet_partition(std::string_view product_code, std::uint32_t shard);
/// The sort-key prefix of one key's items (D␟K␟); never throws beyond std::bad_alloc.
std::string fleet_key_prefix(std::string_view dimension, std::string_view key);

/// What an instance last pushed for a key: its cumulative total, the hour (its clock) of that
/// push, and its total at its last push in an earlier hour. A closed hour H bills `total` of
/// shares pushed in H or before, and `before` of the others: usage never lands in an hour
/// before it was pushed (a share's usage happened no later than its push).
struct fleet_push {
  std::int64_t total = 0;
  hour_t hour = 0;
  std::int64_t before = 0;
};

/// The item of an instance's cumulative share of a key.
dynamodb::item fleet_share_item(std::string pk, std::string_view dimension, std::string_view key,
                                std::string_view instance, const fleet_push& push, time_point at);
/// The sort key of an instance's share of a key.
std::string fleet_share_sk(std::string_view dimension, std::string_view key, std::string_view instance);
/// The sort key of a key's state item and of its record of `hour`.
std::string fleet_state_sk(std::string_view dimension, std::string_view key);
std::string fleet_record_sk(std::string_view dimension, std::string_view key, hour_t hour);
/// A sealed record's item (status pending).
dynamodb::item fleet_record_item(std::string pk, std::string_view dimension, std::string_view key,
                                 hour_t hour, const usage_record& record);

/// One instance's share as read from the table.
struct fleet_share {
  std::string instance;
  fleet_push push;
  time_point at{};
};

/// One sealed record as read from the table.
struct fleet_record_row {
  std::string pk, sk;
  hour_t hour = 0;
  usage_record record;
  std::string status;
  std::string reason;
  /// A dead record AWS may have billed (sent, its answer lost, too old to resend). Dead items
  /// written before `doubt` existed count as in doubt: nobody can tell.
  bool in_doubt = false;
};

/// Everything the table holds about one (dimension, key).
struct fleet_key {
  std::string pk;
  std::string dimension;
  std::string key;
  std::vector<fleet_share> shares;
  bool has_state = false;
  std::int64_t consumed = 0;   ///< tokens billed by sealed records (or forgiven by round_up)
  hour_t last_hour = no_hour;  ///< the newest hour sealed for this key
  std::vector<fleet_record_row> records;
  /// Every instance's total (saturating at 2^63-1); never throws.
  std::int64_t shares_total() const noexcept;
  /// The tokens a record of closed hour `h` may bill: each share's total when pushed in `h` or
  /// before, else its total before that (saturating); never throws.
  std::int64_t shares_until(hour_t h) const noexcept;
  /// Tokens not billed yet (shares - consumed), never below zero; never throws.
  std::int64_t unsealed() const noexcept;
};

/// Groups the items of shard partitions (Query order) into keys. Throws system_error(errc::store_corrupt)
/// naming the table and the defect for any item that is not exactly what this file writes.
std::vector<fleet_key> group_fleet_items(const std::vector<dynamodb::item>& items, std::string_view table);

/// The newest hour the lease holder may seal at `now`: it ended at least `grace` ago; never throws.
hour_t fleet_seal_hour(time_point now, std::chrono::seconds grace) noexcept;

/// One key's seal: a record for `hour` and the key's new consumed total.
struct fleet_seal {
  bool seal = false;  ///< false: nothing to bill, below one unit, or no free hour
  hour_t hour = no_hour;
  std::int32_t quantity = 0;
  time_point stamp{};
  std::int64_t consumed_after = 0;
};

/// Plans a key's seal. closed_hour: bills `hour` (stamped HH:59:59) when the key has no record
/// of it or a later hour; current_hour (settle, bill_now): bills the hour of `now` (stamped now).
/// Only one hour per seal: a key never bills usage in an hour before the sealing one. Never throws.
fleet_seal plan_fleet_seal(const fleet_key& k, seal_mode mode, hour_t hour, time_point now,
                           const ledger_policy& p, bool settle) noexcept;

/// The tokens a record's units stand for (what goes back to its key when AWS never billed it);
/// nullopt when quantity × tokens_per_unit overflows. Never throws.
std::optional<std::int64_t> fleet_record_tokens(const usage_record& r, std::int64_t tokens_per_unit) noexcept;

/// The UpdateItem that dead-letters a pending record (conditional on it still being there).
dynamodb::update_item_request fleet_kill_request(std::string_view table, const fleet_record_row& row,
                                                 std::string_view reason, bool in_doubt);
/// The UpdateItem that makes a dead record pending again, to be resent unchanged by the lease
/// holder (conditional on it still being dead: two redrives move it once).
dynamodb::update_item_request fleet_revive_request(std::string_view table, const fleet_record_row& row);
/// The transaction that gives a record AWS never billed back to its key: the record leaves
/// the table (conditional on `status`) and the key's consumed total drops by `tokens` (which
/// it must cover), so that the next seal bills them in a later hour.
dynamodb::transact_write_request fleet_return_request(std::string_view table, std::string_view dimension,
                                                      const fleet_record_row& row, std::string_view status,
                                                      std::int64_t tokens);

/// The usage record of a seal; never throws beyond std::bad_alloc.
usage_record fleet_usage_record(std::string_view key, std::string_view dimension, const fleet_seal& s);

}  // namespace awsmp::detail
