// prometheus_text against a strict parser of the text format 0.0.4 (prometheus_parser.hpp):
// the parser's own refusals first (so that a broken output cannot pass), then the exact values
// of every component, the escaping rules, and the names listed in docs/metrics.md.
#include <awsmp/error.hpp>
#include <awsmp/prometheus.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <limits>
#include <sstream>

#include "events/prometheus_format.hpp"
#include "unit/events/prometheus_parser.hpp"

using namespace awsmp;
namespace prom = awsmp::test::prom;

namespace {

// Every field a distinct value, so that a field rendered under another's name is caught.
metrics_sources full_sources() {
  metrics_sources m;
  token_billing_stats t;
  t.record_usage_calls = 101;
  t.tokens_recorded = std::numeric_limits<std::uint64_t>::max();  // exact, not 1.8446744073709552e+19
  t.customers = 103;
  t.records_sealed = 104;
  t.heartbeats_sealed = 105;
  t.records_sent = 106;
  t.records_acknowledged = 107;
  t.records_pending = 108;
  t.records_dead_lettered = 109;
  t.retries = 110;
  t.flushes = 111;
  t.units_sealed = 112;
  t.units_unsealed = 113;
  t.units_unbilled = 114;
  t.journal_bytes = 9007199254740993;  // 2^53 + 1: a double would print ...992
  t.journal_commits = 116;
  t.journal_compactions = 117;
  t.journal_max_sync_micros = 1'234'567;
  t.last_error = "secret-ish \"message\"\nwith AKIDEXAMPLE in it";
  t.last_error_at = time_point(std::chrono::milliseconds(1'764'484'736'250));
  m.tracker = t;
  m.clients.push_back({"metering", client_stats{201, 202, 203, 204, 205, false}});
  m.clients.push_back({"entitlement", client_stats{211, 212, 213, 214, 215, true}});
  m.clients.push_back({"dynamodb", client_stats{221, 222, 223, 224, 225, false}});
  m.clients.push_back({"sqs", client_stats{231, 232, 233, 234, 235, false}});
  m.checker = entitlement_checker_stats{301, 302, 303, 304, 305, 306};
  m.consumer = marketplace_event_consumer_stats{401, 402, 403, 404, 405, 406, 407, 408};
  return m;
}

fleet_ledger_stats fleet_sample() {
  fleet_ledger_stats f;
  f.pushes = 501;
  f.share_writes = 502;
  f.share_writes_stale = 503;
  f.lease_acquisitions = 504;
  f.lease_held = true;
  f.hours_sealed = 506;
  f.seal_conflicts = 507;
  f.records_sent = 508;
  f.records_acknowledged = 509;
  f.records_dead_lettered = 510;
  f.units_sealed = 511;
  f.dynamodb_failures = 512;
  f.last_sealed_hour = 490'134;  // 2025-11-30T06:00Z in hours since 1970
  return f;
}

// Parses, and requires HELP and TYPE for every family (stricter than the format: awsmp writes both).
prom::exposition parse_awsmp(const std::string& text) {
  auto e = prom::parse_strict(text);
  for (const auto& [name, f] : e.families) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(f.has_help);
      BOOST_TEST(f.has_type);
      BOOST_TEST(!f.help.empty());
    }
  }
  return e;
}

bool rejects(const std::string& text) {
  try {
    prom::parse_strict(text);
    return false;
  } catch (const std::runtime_error&) {
    return true;
  }
}

bool is_invalid_argument(const boost::system::system_error& e) {
  return e.code() == make_error_code(errc::invalid_argument);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prometheus_text_suite)

BOOST_AUTO_TEST_CASE(parser_accepts_the_spec_example) {
  // The shapes of the format's own example: HELP/TYPE, labels, escapes, a timestamp, +Inf,
  // a trailing comma, a histogram with its suffixes, and a comment.
  const std::string text =
      "# HELP http_requests_total The total number of HTTP requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\",} 3 1395066363000\n"
      "\n"
      "# Escaping in label values:\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} "
      "1.458255915e9\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
      "# HELP h A histogram.\\n Two lines, a \\\\.\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"0.05\"} 24054\n"
      "h_bucket{le=\"+Inf\"} 144320\n"
      "h_sum 53423\n"
      "h_count 144320\n";
  const auto e = prom::parse_strict(text);
  BOOST_TEST(e.samples.size() == 9u);
  BOOST_TEST(e.find("msdos_file_access_time_seconds",
                    {{"path", "C:\\DIR\\FILE.TXT"}, {"error", "Cannot find file:\n\"FILE.TXT\""}})
                 .value == 1.458255915e9);
  BOOST_TEST(e.families.at("h").help == "A histogram.\n Two lines, a \\.");
  BOOST_TEST(e.families.at("metric_without_timestamp_and_labels").type == "untyped");
  BOOST_TEST(std::isinf(e.find("something_weird", {{"problem", "division by zero"}}).value));
}

BOOST_AUTO_TEST_CASE(parser_rejects_malformed_lines) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"no final line feed", "a 1"},
      {"name starting with a digit", "1a 1\n"},
      {"dash in a name", "a-b 1\n"},
      {"label name with a colon", "a{b:c=\"1\"} 1\n"},
      {"label name starting with a digit", "a{1b=\"1\"} 1\n"},
      {"reserved label name", "a{__name__=\"x\"} 1\n"},
      {"unquoted label value", "a{b=1} 1\n"},
      {"unterminated label value", "a{b=\"1} 1\n"},
      {"single-quoted label value", "a{b='1'} 1\n"},
      {"invalid label escape", "a{b=\"\\t\"} 1\n"},
      {"missing closing brace", "a{b=\"1\" 1\n"},
      {"label twice", "a{b=\"1\",b=\"2\"} 1\n"},
      {"missing value", "a\n"},
      {"value not a float", "a one\n"},
      {"hex value", "a 0x10\n"},
      {"value with garbage", "a 1.5x\n"},
      {"C nan form", "a nan(1)\n"},
      {"bad timestamp", "a 1 1.5\n"},
      {"carriage return", "a 1\r\n"},
      {"unknown type", "# TYPE a countr\na_total 1\n"},
      {"TYPE without type", "# TYPE a\n"},
      {"HELP without name", "# HELP\n"},
      {"second TYPE", "# TYPE a gauge\n# TYPE a gauge\na 1\n"},
      {"second HELP", "# HELP a x\n# HELP a y\na 1\n"},
      {"TYPE after the sample", "a 1\n# TYPE a gauge\n"},
      {"HELP after the sample", "a 1\n# HELP a late\n"},
      {"invalid HELP escape", "# HELP a say \\\"hi\\\"\na 1\n"},
      {"HELP ending in a backslash", "# HELP a x\\\na 1\n"},
      {"duplicate series", "a{b=\"1\"} 1\na{b=\"1\"} 2\n"},
      {"duplicate series, labels reordered", "a{b=\"1\",c=\"2\"} 1\na{c=\"2\",b=\"1\"} 2\n"},
      {"interrupted group", "a 1\nb 1\na{x=\"y\"} 2\n"},
      {"counter without _total", "# TYPE requests counter\nrequests 1\n"},
  };
  for (const auto& [why, text] : bad) BOOST_TEST(rejects(text), why);
}

BOOST_AUTO_TEST_CASE(escaping_and_exact_numbers) {
  BOOST_TEST(detail::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  BOOST_TEST(detail::escape_label_value("plain é") == "plain é");
  BOOST_TEST(detail::escape_help("a\\b\"c\nd") == "a\\\\b\"c\\nd");
  BOOST_TEST(detail::exact_integer(0) == "0");
  BOOST_TEST(detail::exact_integer(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
  BOOST_TEST(detail::exact_decimal(1'234'567, 6) == "1.234567");
  BOOST_TEST(detail::exact_decimal(1'500'000, 6) == "1.5");
  BOOST_TEST(detail::exact_decimal(42, 6) == "0.000042");
  BOOST_TEST(detail::exact_decimal(7'000'000, 6) == "7");
  BOOST_TEST(detail::exact_decimal(-3'250, 3) == "-3.25");
  BOOST_TEST(detail::exact_decimal(std::numeric_limits<std::int64_t>::min(), 0) == "-9223372036854775808");
  BOOST_TEST(detail::exact_decimal(12, 0) == "12");
}

BOOST_AUTO_TEST_CASE(every_component_with_its_values) {
  const std::string text = prometheus_text(full_sources());
  const auto e = parse_awsmp(text);

  // The tracker, exact integers included.
  BOOST_TEST(e.find("awsmp_tracker_record_usage_calls_total").raw_value == "101");
  BOOST_TEST(e.find("awsmp_tracker_tokens_recorded_total").raw_value == "18446744073709551615");
  BOOST_TEST(e.find("awsmp_tracker_customers").raw_value == "103");
  BOOST_TEST(e.find("awsmp_tracker_records_sealed_total").raw_value == "104");
  BOOST_TEST(e.find("awsmp_tracker_heartbeats_sealed_total").raw_value == "105");
  BOOST_TEST(e.find("awsmp_tracker_records_sent_total").raw_value == "106");
  BOOST_TEST(e.find("awsmp_tracker_records_acknowledged_total").raw_value == "107");
  BOOST_TEST(e.find("awsmp_tracker_records_pending").raw_value == "108");
  BOOST_TEST(e.find("awsmp_tracker_records_dead_lettered").raw_value == "109");
  BOOST_TEST(e.find("awsmp_tracker_retries_total").raw_value == "110");
  BOOST_TEST(e.find("awsmp_tracker_flushes_total").raw_value == "111");
  BOOST_TEST(e.find("awsmp_tracker_units_sealed_total").raw_value == "112");
  BOOST_TEST(e.find("awsmp_tracker_units_unsealed_total").raw_value == "113");
  BOOST_TEST(e.find("awsmp_tracker_units_unbilled").raw_value == "114");
  BOOST_TEST(e.find("awsmp_tracker_journal_bytes").raw_value == "9007199254740993");
  BOOST_TEST(e.find("awsmp_tracker_journal_commits_total").raw_value == "116");
  BOOST_TEST(e.find("awsmp_tracker_journal_compactions_total").raw_value == "117");
  BOOST_TEST(e.find("awsmp_tracker_journal_max_sync_seconds").raw_value == "1.234567");
  BOOST_TEST(e.find("awsmp_tracker_last_error_timestamp_seconds").raw_value == "1764484736.25");
  BOOST_TEST(e.families.at("awsmp_tracker_records_pending").type == "gauge");
  BOOST_TEST(e.families.at("awsmp_tracker_journal_bytes").type == "gauge");
  BOOST_TEST(e.families.at("awsmp_tracker_retries_total").type == "counter");

  // The error's text is not exported in any form (secrets, cardinality).
  BOOST_TEST(text.find("AKIDEXAMPLE") == std::string::npos);
  BOOST_TEST(text.find("secret-ish") == std::string::npos);

  // The clients: one family each, a sample per client.
  const std::vector<std::string> clients{"metering", "entitlement", "dynamodb", "sqs"};
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const std::map<std::string, std::string> l{{"client", clients[i]}};
    const auto base = 201 + 10 * i;
    BOOST_TEST(e.find("awsmp_client_requests_total", l).raw_value == std::to_string(base));
    BOOST_TEST(e.find("awsmp_client_attempts_total", l).raw_value == std::to_string(base + 1));
    BOOST_TEST(e.find("awsmp_client_retries_total", l).raw_value == std::to_string(base + 2));
    BOOST_TEST(e.find("awsmp_client_connections_opened_total", l).raw_value == std::to_string(base + 3));
    BOOST_TEST(e.find("awsmp_client_stale_reconnects_total", l).raw_value == std::to_string(base + 4));
    BOOST_TEST(e.find("awsmp_client_certificate_checks_disabled", l).raw_value == (i == 1 ? "1" : "0"));
  }

  BOOST_TEST(e.find("awsmp_entitlement_checker_hits_total").raw_value == "301");
  BOOST_TEST(e.find("awsmp_entitlement_checker_misses_total").raw_value == "302");
  BOOST_TEST(e.find("awsmp_entitlement_checker_store_reads_total").raw_value == "303");
  BOOST_TEST(e.find("awsmp_entitlement_checker_coalesced_total").raw_value == "304");
  BOOST_TEST(e.find("awsmp_entitlement_checker_evictions_total").raw_value == "305");
  BOOST_TEST(e.find("awsmp_entitlement_checker_entries").raw_value == "306");
  BOOST_TEST(e.families.at("awsmp_entitlement_checker_entries").type == "gauge");

  const std::vector<std::string> consumer{"received", "applied", "ignored",         "duplicates",
                                          "refused",  "retried", "delete_failures", "receive_failures"};
  for (std::size_t i = 0; i < consumer.size(); ++i)
    BOOST_TEST(e.find("awsmp_event_consumer_" + consumer[i] + "_total").raw_value == std::to_string(401 + i));

  // Fleet families only in fleet mode.
  BOOST_TEST(e.families.count("awsmp_fleet_pushes_total") == 0u);
  // 19 tracker + 6 client + 6 checker + 8 consumer families; 19 + 24 + 6 + 8 samples.
  BOOST_TEST(e.families.size() == 39u);
  BOOST_TEST(e.samples.size() == 57u);
}

BOOST_AUTO_TEST_CASE(fleet_stats_in_fleet_mode) {
  metrics_sources m;
  token_billing_stats t;
  t.fleet = fleet_sample();
  m.tracker = t;
  const auto e = parse_awsmp(prometheus_text(m));
  BOOST_TEST(e.find("awsmp_fleet_pushes_total").raw_value == "501");
  BOOST_TEST(e.find("awsmp_fleet_share_writes_total").raw_value == "502");
  BOOST_TEST(e.find("awsmp_fleet_share_writes_stale_total").raw_value == "503");
  BOOST_TEST(e.find("awsmp_fleet_lease_acquisitions_total").raw_value == "504");
  BOOST_TEST(e.find("awsmp_fleet_lease_held").raw_value == "1");
  BOOST_TEST(e.families.at("awsmp_fleet_lease_held").type == "gauge");
  BOOST_TEST(e.find("awsmp_fleet_hours_sealed_total").raw_value == "506");
  BOOST_TEST(e.find("awsmp_fleet_seal_conflicts_total").raw_value == "507");
  BOOST_TEST(e.find("awsmp_fleet_records_sent_total").raw_value == "508");
  BOOST_TEST(e.find("awsmp_fleet_records_acknowledged_total").raw_value == "509");
  BOOST_TEST(e.find("awsmp_fleet_records_dead_lettered_total").raw_value == "510");
  BOOST_TEST(e.find("awsmp_fleet_units_sealed_total").raw_value == "511");
  BOOST_TEST(e.find("awsmp_fleet_dynamodb_failures_total").raw_value == "512");
  BOOST_TEST(e.find("awsmp_fleet_last_sealed_hour_timestamp_seconds").raw_value == "1764482400");
  // Nothing failed: the timestamp is 0, not absent.
  BOOST_TEST(e.find("awsmp_tracker_last_error_timestamp_seconds").raw_value == "0");

  t.fleet->last_sealed_hour = -1;
  t.fleet->lease_held = false;
  m.tracker = t;
  const auto none = parse_awsmp(prometheus_text(m));
  BOOST_TEST(none.find("awsmp_fleet_last_sealed_hour_timestamp_seconds").raw_value == "0");
  BOOST_TEST(none.find("awsmp_fleet_lease_held").raw_value == "0");
}

BOOST_AUTO_TEST_CASE(absent_parts_render_nothing) {
  BOOST_TEST(prometheus_text({}).empty());
  metrics_sources m;
  m.checker = entitlement_checker_stats{};
  const auto e = parse_awsmp(prometheus_text(m));
  BOOST_TEST(e.families.size() == 6u);
  BOOST_TEST(e.find("awsmp_entitlement_checker_hits_total").raw_value == "0");
}

BOOST_AUTO_TEST_CASE(client_names_are_escaped_label_values) {
  metrics_sources m;
  const std::string odd = "we\\ird \"client\"\nname";
  m.clients.push_back({odd, client_stats{7, 8, 9, 10, 11, false}});
  const std::string text = prometheus_text(m);
  BOOST_TEST(text.find("awsmp_client_requests_total{client=\"we\\\\ird \\\"client\\\"\\nname\"} 7\n") !=
             std::string::npos);
  const auto e = parse_awsmp(text);
  BOOST_TEST(e.find("awsmp_client_requests_total", {{"client", odd}}).raw_value == "7");
}

BOOST_AUTO_TEST_CASE(bad_client_names_throw) {
  metrics_sources m;
  m.clients.push_back({"", client_stats{}});
  BOOST_CHECK_EXCEPTION(prometheus_text(m), boost::system::system_error, is_invalid_argument);
  m.clients = {{"metering", client_stats{}}, {"metering", client_stats{}}};
  BOOST_CHECK_EXCEPTION(prometheus_text(m), boost::system::system_error, is_invalid_argument);
}

BOOST_AUTO_TEST_CASE(broken_output_fails_the_parser) {
  // The parser is what the value checks rest on: each way the renderer could break is refused.
  auto m = full_sources();
  m.tracker->fleet = fleet_sample();
  const std::string good = prometheus_text(m);
  BOOST_TEST(!rejects(good));
  const std::string pending = "awsmp_tracker_records_pending 108\n";
  const auto at = good.find(pending);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  BOOST_TEST(rejects(good + pending), "a repeated series");
  BOOST_TEST(rejects(good.substr(0, good.size() - 1)), "no final line feed");
  BOOST_TEST(rejects(good + "# TYPE awsmp_tracker_records_pending gauge\n"), "a second TYPE");
  BOOST_TEST(rejects(std::string(good).replace(at, pending.size(), "awsmp_tracker_records_pending 1.0.8\n")),
             "a value that is no float");
  const std::string type_line = "# TYPE awsmp_tracker_records_pending gauge\n";
  const auto type_at = good.find(type_line);
  BOOST_TEST_REQUIRE(type_at != std::string::npos);
  BOOST_TEST(rejects(std::string(good).replace(type_at, type_line.size(),
                                               "# TYPE awsmp_tracker_records_pending counter\n")),
             "a counter without _total");
}

BOOST_AUTO_TEST_CASE(docs_list_every_family) {
  auto m = full_sources();
  m.tracker->fleet = fleet_sample();
  const auto e = parse_awsmp(prometheus_text(m));
  std::ifstream in(std::string(AWSMP_TEST_SOURCE_DIR) + "/../docs/metrics.md");
  BOOST_TEST_REQUIRE(in.good());
  std::stringstream docs;
  docs << in.rdbuf();
  for (const auto& [name, f] : e.families)
    BOOST_TEST(docs.str().find("`" + name + "`") != std::string::npos, name << " is in docs/metrics.md");
}

BOOST_AUTO_TEST_SUITE_END()
