// prometheus_text: the stats of every component in the Prometheus text exposition format 0.0.4.
//
// The rules followed here are those of "Exposition formats", Text format details
// (https://prometheus.io/docs/instrumenting/exposition_formats/, source
// prometheus/docs content/docs/instrumenting/exposition_formats.md): lines end in \n, the last
// one too; at most one HELP and one TYPE line per metric name, both before its first sample;
// all samples of a name in one uninterrupted group; label values escape \ " and line feed, HELP
// text escapes \ and line feed; the value is a float as Go's ParseFloat reads it. Counter names
// end in _total and units are base units (seconds) per the naming guide
// (https://prometheus.io/docs/practices/naming/). docs/metrics.md lists every name.
#include <array>
#include <awsmp/error.hpp>
#include <awsmp/prometheus.hpp>
#include <charconv>
#include <chrono>
#include <set>

#include "core/throw.hpp"
#include "events/prometheus_format.hpp"

namespace awsmp {

namespace detail {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string exact_integer(std::uint64_t value) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return std::string(buf.data(), r.ptr);
}

std::string exact_decimal(std::int64_t units, int decimals) {
  // The magnitude as unsigned, so that INT64_MIN has one too.
  const bool negative = units < 0;
  const std::uint64_t magnitude =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  std::uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string out = negative ? "-" : "";
  out += exact_integer(magnitude / scale);
  std::uint64_t fraction = magnitude % scale;
  if (fraction != 0) {
    std::string digits = exact_integer(fraction);
    digits.insert(0, static_cast<std::size_t>(decimals) - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

}  // namespace detail

namespace {

enum class metric_type { counter, gauge };

/// One metric family of a stats struct: its full name, type, help, and how to read its value.
template <class Stats>
struct family {
  std::string_view name;
  metric_type type;
  std::string_view help;
  std::string (*value)(const Stats&);
};

std::string integer(std::uint64_t v) {
  return detail::exact_integer(v);
}
std::string boolean(bool v) {
  return v ? "1" : "0";
}
// Seconds since 1970 with millisecond precision; 0 when absent (Prometheus' convention for
// "never", so that `time() - x` alarms stay simple).
std::string timestamp(const std::optional<time_point>& t) {
  if (!t) return "0";
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t->time_since_epoch()).count();
  return detail::exact_decimal(ms, 3);
}

class writer {
 public:
  /// The HELP and TYPE lines of one family; its samples must follow before the next family.
  void header(std::string_view name, metric_type type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += detail::escape_help(help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += type == metric_type::counter ? " counter\n" : " gauge\n";
  }
  /// One sample; `labels` is already rendered ({...}) or empty.
  void sample(std::string_view name, std::string_view labels, std::string_view value) {
    out_ += name;
    out_ += labels;
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  /// Every family of `table` with one unlabelled sample from `stats`.
  template <class Stats, std::size_t N>
  void families(const std::array<family<Stats>, N>& table, const Stats& stats) {
    for (const auto& f : table) {
      header(f.name, f.type, f.help);
      sample(f.name, {}, f.value(stats));
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

using tracker_stats = token_billing_stats;

const std::array<family<tracker_stats>, 19> tracker_families{{
    {"awsmp_tracker_record_usage_calls_total", metric_type::counter, "record_usage calls accepted.",
     [](const tracker_stats& s) { return integer(s.record_usage_calls); }},
    {"awsmp_tracker_tokens_recorded_total", metric_type::counter,
     "Input plus output tokens accepted by record_usage (wraps after 2^64).",
     [](const tracker_stats& s) { return integer(s.tokens_recorded); }},
    {"awsmp_tracker_customers", metric_type::gauge, "Billed customers with an accumulator.",
     [](const tracker_stats& s) { return integer(s.customers); }},
    {"awsmp_tracker_records_sealed_total", metric_type::counter,
     "Usage records created, heartbeats included.",
     [](const tracker_stats& s) { return integer(s.records_sealed); }},
    {"awsmp_tracker_heartbeats_sealed_total", metric_type::counter, "Quantity 0 heartbeat records created.",
     [](const tracker_stats& s) { return integer(s.heartbeats_sealed); }},
    {"awsmp_tracker_records_sent_total", metric_type::counter,
     "Usage record transmissions to AWS (a resend counts again).",
     [](const tracker_stats& s) { return integer(s.records_sent); }},
    {"awsmp_tracker_records_acknowledged_total", metric_type::counter, "Usage records AWS answered Success.",
     [](const tracker_stats& s) { return integer(s.records_acknowledged); }},
    {"awsmp_tracker_records_pending", metric_type::gauge, "Sealed usage records not answered by AWS yet.",
     [](const tracker_stats& s) { return integer(s.records_pending); }},
    {"awsmp_tracker_records_dead_lettered", metric_type::gauge,
     "Usage records in the dead letters now (a re-drive lowers it).",
     [](const tracker_stats& s) { return integer(s.records_dead_lettered); }},
    {"awsmp_tracker_retries_total", metric_type::counter, "Resends of a usage record already sent once.",
     [](const tracker_stats& s) { return integer(s.retries); }},
    {"awsmp_tracker_flushes_total", metric_type::counter, "Flushes run.",
     [](const tracker_stats& s) { return integer(s.flushes); }},
    {"awsmp_tracker_units_sealed_total", metric_type::counter, "Billing units in sealed usage records.",
     [](const tracker_stats& s) { return integer(s.units_sealed); }},
    {"awsmp_tracker_units_unsealed_total", metric_type::counter,
     "Units AWS never billed that went back to open usage.",
     [](const tracker_stats& s) { return integer(s.units_unsealed); }},
    {"awsmp_tracker_units_unbilled", metric_type::gauge,
     "Whole units the last stop() found no free hour for (0 with a journal).",
     [](const tracker_stats& s) { return integer(s.units_unbilled); }},
    {"awsmp_tracker_journal_bytes", metric_type::gauge,
     "Current journal file size in bytes (0 without journal).",
     [](const tracker_stats& s) { return integer(s.journal_bytes); }},
    {"awsmp_tracker_journal_commits_total", metric_type::counter, "Journal group commits (fdatasync calls).",
     [](const tracker_stats& s) { return integer(s.journal_commits); }},
    {"awsmp_tracker_journal_compactions_total", metric_type::counter, "Journal compactions.",
     [](const tracker_stats& s) { return integer(s.journal_compactions); }},
    {"awsmp_tracker_journal_max_sync_seconds", metric_type::gauge,
     "Longest journal write plus fdatasync, the longest an executor thread was blocked.",
     [](const tracker_stats& s) {
       return detail::exact_decimal(static_cast<std::int64_t>(s.journal_max_sync_micros), 6);
     }},
    {"awsmp_tracker_last_error_timestamp_seconds", metric_type::gauge,
     "When the last send, flush or journal failure happened, seconds since 1970 (0: none); the "
     "message itself is in stats().last_error and the log.",
     [](const tracker_stats& s) { return timestamp(s.last_error_at); }},
}};

const std::array<family<fleet_ledger_stats>, 13> fleet_families{{
    {"awsmp_fleet_pushes_total", metric_type::counter, "Push rounds of this instance's shares to DynamoDB.",
     [](const fleet_ledger_stats& s) { return integer(s.pushes); }},
    {"awsmp_fleet_share_writes_total", metric_type::counter, "Share UpdateItem calls.",
     [](const fleet_ledger_stats& s) { return integer(s.share_writes); }},
    {"awsmp_fleet_share_writes_stale_total", metric_type::counter,
     "Share writes DynamoDB already held a higher total for (a replay).",
     [](const fleet_ledger_stats& s) { return integer(s.share_writes_stale); }},
    {"awsmp_fleet_lease_acquisitions_total", metric_type::counter,
     "Times this instance took the sealing lease.",
     [](const fleet_ledger_stats& s) { return integer(s.lease_acquisitions); }},
    {"awsmp_fleet_lease_held", metric_type::gauge, "1 when this instance holds the sealing lease now.",
     [](const fleet_ledger_stats& s) { return boolean(s.lease_held); }},
    {"awsmp_fleet_hours_sealed_total", metric_type::counter, "Keys times hours this instance sealed.",
     [](const fleet_ledger_stats& s) { return integer(s.hours_sealed); }},
    {"awsmp_fleet_seal_conflicts_total", metric_type::counter,
     "Seals another instance won first (nothing written).",
     [](const fleet_ledger_stats& s) { return integer(s.seal_conflicts); }},
    {"awsmp_fleet_records_sent_total", metric_type::counter, "Usage record transmissions by this instance.",
     [](const fleet_ledger_stats& s) { return integer(s.records_sent); }},
    {"awsmp_fleet_records_acknowledged_total", metric_type::counter,
     "Fleet usage records answered Success and marked answered.",
     [](const fleet_ledger_stats& s) { return integer(s.records_acknowledged); }},
    {"awsmp_fleet_records_dead_lettered_total", metric_type::counter,
     "Fleet usage records this instance dead-lettered.",
     [](const fleet_ledger_stats& s) { return integer(s.records_dead_lettered); }},
    {"awsmp_fleet_units_sealed_total", metric_type::counter, "Billing units in records this instance sealed.",
     [](const fleet_ledger_stats& s) { return integer(s.units_sealed); }},
    {"awsmp_fleet_dynamodb_failures_total", metric_type::counter,
     "Push, lease or seal calls to DynamoDB that failed (retried at the next flush).",
     [](const fleet_ledger_stats& s) { return integer(s.dynamodb_failures); }},
    {"awsmp_fleet_last_sealed_hour_timestamp_seconds", metric_type::gauge,
     "Start of the newest UTC hour this instance sealed, seconds since 1970 (0: none).",
     [](const fleet_ledger_stats& s) {
       return s.last_sealed_hour < 0 ? std::string("0") : detail::exact_decimal(s.last_sealed_hour * 3600, 0);
     }},
}};

const std::array<family<client_stats>, 6> client_families{{
    {"awsmp_client_requests_total", metric_type::counter, "Logical calls of the service client.",
     [](const client_stats& s) { return integer(s.requests); }},
    {"awsmp_client_attempts_total", metric_type::counter, "HTTP attempts, retries included.",
     [](const client_stats& s) { return integer(s.attempts); }},
    {"awsmp_client_retries_total", metric_type::counter, "HTTP attempts that were retries.",
     [](const client_stats& s) { return integer(s.retries); }},
    {"awsmp_client_connections_opened_total", metric_type::counter,
     "TCP connections opened (TLS handshakes when HTTPS).",
     [](const client_stats& s) { return integer(s.connections_opened); }},
    {"awsmp_client_stale_reconnects_total", metric_type::counter,
     "Pooled connections found closed by the server mid-request and resent once.",
     [](const client_stats& s) { return integer(s.stale_reconnects); }},
    {"awsmp_client_certificate_checks_disabled", metric_type::gauge,
     "1 when the client talks HTTPS without certificate verification.",
     [](const client_stats& s) { return boolean(s.certificate_checks_disabled); }},
}};

const std::array<family<entitlement_checker_stats>, 6> checker_families{{
    {"awsmp_entitlement_checker_hits_total", metric_type::counter, "is_entitled answers from the cache.",
     [](const entitlement_checker_stats& s) { return integer(s.hits); }},
    {"awsmp_entitlement_checker_misses_total", metric_type::counter,
     "is_entitled calls not (freshly) cached.",
     [](const entitlement_checker_stats& s) { return integer(s.misses); }},
    {"awsmp_entitlement_checker_store_reads_total", metric_type::counter, "Entitlement store reads made.",
     [](const entitlement_checker_stats& s) { return integer(s.store_reads); }},
    {"awsmp_entitlement_checker_coalesced_total", metric_type::counter,
     "Misses that waited for a store read already in flight.",
     [](const entitlement_checker_stats& s) { return integer(s.coalesced); }},
    {"awsmp_entitlement_checker_evictions_total", metric_type::counter,
     "Cache entries dropped to stay within max_entries.",
     [](const entitlement_checker_stats& s) { return integer(s.evictions); }},
    {"awsmp_entitlement_checker_entries", metric_type::gauge, "Keys cached now.",
     [](const entitlement_checker_stats& s) { return integer(s.entries); }},
}};

using consumer_stats = marketplace_event_consumer_stats;

const std::array<family<consumer_stats>, 8> consumer_families{{
    {"awsmp_event_consumer_received_total", metric_type::counter,
     "SQS messages received (redeliveries included).",
     [](const consumer_stats& s) { return integer(s.received); }},
    {"awsmp_event_consumer_applied_total", metric_type::counter, "Events applied and deleted.",
     [](const consumer_stats& s) { return integer(s.applied); }},
    {"awsmp_event_consumer_ignored_total", metric_type::counter,
     "Verified events with nothing to do; deleted.",
     [](const consumer_stats& s) { return integer(s.ignored); }},
    {"awsmp_event_consumer_duplicates_total", metric_type::counter,
     "Events applied before (same dedup id); deleted without applying again.",
     [](const consumer_stats& s) { return integer(s.duplicates); }},
    {"awsmp_event_consumer_refused_total", metric_type::counter,
     "Unverifiable, malformed, unknown or oversized messages left on the queue.",
     [](const consumer_stats& s) { return integer(s.refused); }},
    {"awsmp_event_consumer_retried_total", metric_type::counter,
     "Events whose application failed, left on the queue for a later delivery.",
     [](const consumer_stats& s) { return integer(s.retried); }},
    {"awsmp_event_consumer_delete_failures_total", metric_type::counter,
     "Applied events whose DeleteMessage failed (a redelivery is harmless).",
     [](const consumer_stats& s) { return integer(s.delete_failures); }},
    {"awsmp_event_consumer_receive_failures_total", metric_type::counter, "ReceiveMessage calls that failed.",
     [](const consumer_stats& s) { return integer(s.receive_failures); }},
}};

}  // namespace

std::string prometheus_text(const metrics_sources& sources) {
  std::set<std::string_view> names;
  for (const auto& c : sources.clients) {
    if (c.name.empty()) detail::throw_invalid_argument("clients.name", "must not be empty");
    if (!names.insert(c.name).second)
      detail::throw_invalid_argument("clients.name",
                                     "must be unique (a repeated name is a duplicate series)");
  }

  writer w;
  if (sources.tracker) {
    w.families(tracker_families, *sources.tracker);
    if (sources.tracker->fleet) w.families(fleet_families, *sources.tracker->fleet);
  }
  if (!sources.clients.empty()) {
    // One group per family: every client's sample follows the family's HELP and TYPE lines.
    std::vector<std::string> labels;
    labels.reserve(sources.clients.size());
    for (const auto& c : sources.clients)
      labels.push_back("{client=\"" + detail::escape_label_value(c.name) + "\"}");
    for (const auto& f : client_families) {
      w.header(f.name, f.type, f.help);
      for (std::size_t i = 0; i < sources.clients.size(); ++i)
        w.sample(f.name, labels[i], f.value(sources.clients[i].stats));
    }
  }
  if (sources.checker) w.families(checker_families, *sources.checker);
  if (sources.consumer) w.families(consumer_families, *sources.consumer);
  return w.take();
}

}  // namespace awsmp
