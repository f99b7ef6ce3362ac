// Fleet metering: N servers, each running a token_billing_tracker with token_billing_options::fleet
// set, bill one record per (billed customer, dimension, UTC hour) for the whole fleet through a
// shared DynamoDB table (design and failure analysis in docs/fleet.md).
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/metering_types.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace awsmp {

/// How a tracker takes part in a fleet. Every instance of one fleet must use the same table,
/// shards, product code, dimension and tokens_per_unit.
struct fleet_options {
  dynamodb::dynamodb_client* client = nullptr;  ///< required; must outlive the tracker
  std::string table = "awsmp-fleet";            ///< created by create_fleet_table
  /// This process's name in the fleet, unique and stable across restarts of the same journal
  /// (its shares are cumulative totals replayed from that journal): 1..64 of [A-Za-z0-9._-].
  std::string instance_id;
  std::chrono::seconds lease_duration{60};  ///< how long a dead sealer blocks the others; 5 s..1 h
  /// How long after an hour ends the lease holder waits before sealing it, so that every
  /// instance's last push of the hour arrives first (a later share moves to a later hour);
  /// 0 s..30 min; keep it above the push interval plus the worst clock skew.
  std::chrono::seconds seal_grace{300};
  std::uint32_t shards = 16;     ///< partitions the keys are spread over; 1..1024
  std::size_t concurrency = 16;  ///< DynamoDB calls in flight while pushing and sealing; 1..256
};

/// Counters of one instance's part in the fleet; each read atomically, not all together.
struct fleet_ledger_stats {
  std::uint64_t pushes = 0;                ///< push rounds (one per flush, settle, stop)
  std::uint64_t share_writes = 0;          ///< share UpdateItem calls (<= keys touched per push)
  std::uint64_t share_writes_stale = 0;    ///< of which DynamoDB already held a higher total (a replay)
  std::uint64_t lease_acquisitions = 0;    ///< times this instance took the sealing lease
  bool lease_held = false;                 ///< whether it holds the lease now
  std::uint64_t hours_sealed = 0;          ///< keys × hours this instance sealed
  std::uint64_t seal_conflicts = 0;        ///< seals another instance won first (nothing written)
  std::uint64_t records_sent = 0;          ///< record transmissions by this instance
  std::uint64_t records_acknowledged = 0;  ///< answered Success and marked answered
  std::uint64_t records_dead_lettered = 0;
  std::uint64_t units_sealed = 0;
  std::uint64_t dynamodb_failures =
      0;  ///< push, lease, seal or answer-marking rounds that failed (retried next flush)
  std::int64_t last_sealed_hour = -1;  ///< newest hour (UTC hours since 1970) this instance sealed; -1: none
};

/// A key's sealed record awaiting AWS's answer, or refused for good.
struct fleet_record {
  usage_record record;
  std::string status;     ///< "pending" or "dead"
  std::string reason;     ///< why it is dead
  bool in_doubt = false;  ///< dead, and AWS may have billed it (sent, its answer lost)
};

/// One instance as the fleet table last saw it.
struct fleet_instance {
  std::string instance_id;
  time_point last_push{};       ///< the instance's clock at its last push
  std::chrono::seconds lag{0};  ///< now - last_push (negative with clock skew)
  std::uint64_t keys = 0;       ///< keys it has pushed shares for
  std::int64_t tokens = 0;      ///< its cumulative tokens over those keys
};

/// What `awsmp fleet status` prints: the fleet's state read from its table.
struct fleet_status {
  std::string lease_holder;  ///< empty when nobody holds it
  std::optional<time_point> lease_expires;
  std::uint64_t keys = 0;  ///< keys with shares
  std::int64_t newest_sealed_hour =
      -1;                             ///< newest hour (UTC hours since 1970) any key was sealed in; -1: none
  std::uint64_t keys_unsealed = 0;    ///< keys with tokens not in a sealed record yet
  std::int64_t unsealed_tokens = 0;   ///< shares not in a sealed record (carries included)
  std::vector<fleet_record> pending;  ///< sealed, not answered by AWS yet
  std::vector<fleet_record> dead_letters;  ///< refused for good
  std::vector<fleet_instance> instances;
};

/// Creates the fleet table (on demand, key pk/sk strings) unless it exists and declares its key
/// to the client. Throws aws_error / system_error as the client does, errc::invalid_argument
/// for a bad table name.
awaitable<void> create_fleet_table(dynamodb::dynamodb_client& client, std::string table);

/// Reads the state of one product's fleet (strongly consistent; one GetItem for the lease and
/// one Query per shard; options.client and instance_id are not needed). Throws
/// system_error(errc::invalid_argument) for bad options, errc::store_corrupt for an item that
/// is not awsmp's, aws_error / system_error as the client.
awaitable<fleet_status> read_fleet_status(dynamodb::dynamodb_client& client, fleet_options options,
                                          std::string product_code, time_point now);

/// What redrive_fleet_dead_letters moves; the fleet's settings must be its trackers' own.
struct fleet_redrive_options {
  std::string dimension = std::string(dimension_tokens);  ///< the trackers' dimension
  std::int64_t tokens_per_unit = 1'000'000;  ///< the trackers' (a returned record gives back quantity × this)
  /// Dead letters stamped longer ago than this are returned to their key instead of resent:
  /// AWS refuses records older than six hours. The trackers' dead_letter_age.
  std::chrono::minutes dead_letter_age{default_dead_letter_age};
  bool force = false;  ///< also move in-doubt ones (AWS may have billed them: a double bill is possible)
};

/// How redrive_fleet_dead_letters left a product's dead letters.
struct fleet_redrive_result {
  std::uint64_t resent = 0;        ///< pending again: the lease holder resends them unchanged
  std::uint64_t returned = 0;      ///< too old to resend: their tokens went back to the key
  std::vector<fleet_record> kept;  ///< still dead: in doubt and not forced, or moved by another caller
};

/// Moves one product's dead letters back, as token_billing_tracker::redrive_dead_letters does
/// without a fleet (each move conditional on the record still being dead, so concurrent
/// redrives move it once; the next seal round sends or bills them). Use it after fixing what
/// AWS refused (a subscription, the product code, permissions). Throws
/// system_error(errc::invalid_argument) for bad options (checked before anything is sent),
/// errc::store_corrupt for an item that is not awsmp's, aws_error / system_error as the client.
awaitable<fleet_redrive_result> redrive_fleet_dead_letters(dynamodb::dynamodb_client& client,
                                                           fleet_options options, std::string product_code,
                                                           fleet_redrive_options redrive, time_point now);

}  // namespace awsmp
