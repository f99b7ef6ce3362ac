// prometheus_text: every stats() counter of the tracker (and its fleet ledger), the service
// clients, the entitlement checker and the event consumer in the Prometheus text exposition
// format 0.0.4, for a /metrics endpoint. Metric names and the format's rules: docs/metrics.md.
#pragma once

#include <awsmp/entitlement_checker.hpp>
#include <awsmp/marketplace_event_consumer.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp {

/// The HTTP Content-Type of prometheus_text's output (text format 0.0.4, UTF-8).
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// One service client's counters and the value of its `client` label ("metering",
/// "entitlement", "dynamodb", "sqs", ...).
struct named_client_stats {
  std::string name;    ///< the `client` label value: non-empty, unique within metrics_sources
  client_stats stats;  ///< a snapshot from the client's stats()
};

/// What prometheus_text renders: snapshots taken by the caller; an absent part renders no
/// metric family at all (not zeros).
struct metrics_sources {
  std::optional<token_billing_stats> tracker;  ///< awsmp_tracker_* (and awsmp_fleet_* when its fleet is set)
  std::vector<named_client_stats> clients;     ///< awsmp_client_*{client="<name>"}
  std::optional<entitlement_checker_stats> checker;          ///< awsmp_entitlement_checker_*
  std::optional<marketplace_event_consumer_stats> consumer;  ///< awsmp_event_consumer_*
};

/// Renders `sources` in the Prometheus text format 0.0.4: one `# HELP` and one `# TYPE` line
/// per family, counters named *_total, gauges for levels, integers printed exactly, label
/// values escaped; last_error strings are never exported (only their timestamp). Throws
/// system_error(errc::invalid_argument) for an empty or repeated client name, std::bad_alloc.
std::string prometheus_text(const metrics_sources& sources);

}  // namespace awsmp
