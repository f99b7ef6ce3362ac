#include "testing/emulator_json.hpp"

#include <awsmp/error.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <cmath>

#include "core/throw.hpp"

namespace awsmp::testing::detail {
namespace json = boost::json;

namespace {

const json::object& as_object(const json::value& jv, std::string_view what) {
  if (!jv.is_object()) awsmp::detail::throw_invalid_argument(what, "must be a JSON object");
  return jv.get_object();
}

std::string get_string(const json::object& obj, std::string_view key, std::string_view what,
                       bool required = false) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) {
    if (required)
      awsmp::detail::throw_invalid_argument(std::string(what) + "." + std::string(key), "is required");
    return {};
  }
  if (!it->value().is_string())
    awsmp::detail::throw_invalid_argument(std::string(what) + "." + std::string(key), "must be a string");
  return std::string(it->value().get_string());
}

double get_number(const json::object& obj, std::string_view key, std::string_view what, double fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return fallback;
  if (!it->value().is_number())
    awsmp::detail::throw_invalid_argument(std::string(what) + "." + std::string(key), "must be a number");
  return it->value().to_number<double>();
}

// A number in [low, high], refused otherwise: the admin JSON comes from the network, and
// converting an out-of-range double to an integer is undefined behaviour.
double get_bounded(const json::object& obj, std::string_view key, std::string_view what, double fallback,
                   double low, double high) {
  const double v = get_number(obj, key, what, fallback);
  if (!(v >= low && v <= high))
    awsmp::detail::throw_invalid_argument(std::string(what) + "." + std::string(key),
                                          "must be a number from " + json::serialize(json::value(low)) +
                                              " to " + json::serialize(json::value(high)));
  return v;
}

// The latest TokenExpiresAt accepted: 2200-01-01T00:00:00Z, so that the seconds fit any clock.
constexpr double max_epoch_seconds = 7'258'118'400.0;
// The longest fault latency: a test tool needs seconds, not days.
constexpr double max_latency_ms = 600'000.0;
// Doubles are exact integers up to 2^53; larger seeds must be written as JSON integers.
constexpr double max_double_seed = 9'007'199'254'740'992.0;

json::value epoch(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::size_t inject_count_from_json(const json::value& jv) {
  const auto& obj = as_object(jv, "inject");
  return static_cast<std::size_t>(
      get_bounded(obj, "count", "inject", 1, 1, static_cast<double>(max_inject_count)));
}

emulated_customer customer_from_json(const json::value& jv) {
  const auto& obj = as_object(jv, "customer");
  emulated_customer c;
  c.registration_token = get_string(obj, "RegistrationToken", "customer", true);
  c.identity.customer_identifier = get_string(obj, "CustomerIdentifier", "customer");
  c.identity.product_code = get_string(obj, "ProductCode", "customer");
  c.identity.customer_aws_account_id = get_string(obj, "CustomerAWSAccountId", "customer");
  c.identity.license_arn = get_string(obj, "LicenseArn", "customer");
  if (auto it = obj.find("Subscribed"); it != obj.end() && !it->value().is_null()) {
    if (!it->value().is_bool())
      awsmp::detail::throw_invalid_argument("customer.Subscribed", "must be a boolean");
    c.subscribed = it->value().get_bool();
  }
  if (auto it = obj.find("TokenExpiresAt"); it != obj.end() && !it->value().is_null()) {
    const double s = get_bounded(obj, "TokenExpiresAt", "customer", 0, 0, max_epoch_seconds);
    c.token_expires_at = time_point{std::chrono::seconds{static_cast<std::int64_t>(std::floor(s))}};
  }
  return c;
}

emulated_product product_from_json(const json::value& jv) {
  const auto& obj = as_object(jv, "product");
  emulated_product p;
  p.product_code = get_string(obj, "ProductCode", "product", true);
  if (auto it = obj.find("Dimensions"); it != obj.end() && !it->value().is_null()) {
    if (!it->value().is_array())
      awsmp::detail::throw_invalid_argument("product.Dimensions", "must be a list of strings");
    for (const auto& d : it->value().get_array()) {
      if (!d.is_string())
        awsmp::detail::throw_invalid_argument("product.Dimensions", "must be a list of strings");
      p.dimensions.emplace_back(d.get_string());
    }
  }
  return p;
}

marketplace_entitlement entitlement_from_json(const json::value& jv) {
  as_object(jv, "entitlement");
  try {
    auto e = json::value_to<marketplace_entitlement>(jv);
    if (e.product_code.empty())
      awsmp::detail::throw_invalid_argument("entitlement.ProductCode", "is required");
    return e;
  } catch (const boost::system::system_error& e) {
    if (e.code() == awsmp::errc::invalid_argument) throw;
    awsmp::detail::throw_invalid_argument("entitlement", e.what());
  }
}

fault_options faults_from_json(const json::value& jv, fault_options base) {
  const auto& obj = as_object(jv, "faults");
  base.throttle_percent = get_bounded(obj, "throttle_percent", "faults", base.throttle_percent, 0, 100);
  base.server_error_percent =
      get_bounded(obj, "server_error_percent", "faults", base.server_error_percent, 0, 100);
  base.drop_connection_percent =
      get_bounded(obj, "drop_connection_percent", "faults", base.drop_connection_percent, 0, 100);
  base.drop_after_commit_percent =
      get_bounded(obj, "drop_after_commit_percent", "faults", base.drop_after_commit_percent, 0, 100);
  base.unprocessed_percent =
      get_bounded(obj, "unprocessed_percent", "faults", base.unprocessed_percent, 0, 100);
  base.latency = std::chrono::milliseconds{static_cast<std::int64_t>(get_bounded(
      obj, "latency_ms", "faults", static_cast<double>(base.latency.count()), 0, max_latency_ms))};
  if (auto it = obj.find("seed"); it != obj.end() && !it->value().is_null()) {
    const auto& v = it->value();
    if (v.is_uint64())
      base.seed = v.get_uint64();
    else if (v.is_int64() && v.get_int64() >= 0)
      base.seed = static_cast<std::uint64_t>(v.get_int64());
    else if (v.is_double() && v.get_double() >= 0 && v.get_double() <= max_double_seed &&
             v.get_double() == std::floor(v.get_double()))
      base.seed = static_cast<std::uint64_t>(v.get_double());
    else
      awsmp::detail::throw_invalid_argument("faults.seed", "must be an integer from 0 to 2^64-1");
  }
  return base;
}

void load_configuration(const json::value& jv, emulator_options& options) {
  if (jv.is_array()) {
    for (const auto& c : jv.get_array()) options.customers.push_back(customer_from_json(c));
    return;
  }
  const auto& obj = as_object(jv, "configuration");
  auto list = [&obj](std::string_view key) -> const json::array* {
    auto it = obj.find(key);
    if (it == obj.end() || it->value().is_null()) return nullptr;
    if (!it->value().is_array())
      awsmp::detail::throw_invalid_argument(std::string("configuration.") + std::string(key),
                                            "must be a list");
    return &it->value().get_array();
  };
  if (const auto* products = list("products"))
    for (const auto& p : *products) options.products.push_back(product_from_json(p));
  if (const auto* customers = list("customers"))
    for (const auto& c : *customers) options.customers.push_back(customer_from_json(c));
  if (const auto* entitlements = list("entitlements"))
    for (const auto& e : *entitlements) options.entitlements.push_back(entitlement_from_json(e));
  if (auto it = obj.find("faults"); it != obj.end() && !it->value().is_null())
    options.faults = faults_from_json(it->value(), options.faults);
}

json::value to_json(const emulator_stats& s) {
  return json::object{
      {"requests", s.requests},
      {"connections", s.connections},
      {"connections_rejected", s.connections_rejected},
      {"active_connections", s.active_connections},
      {"tls_handshakes", s.tls_handshakes},
      {"auth_failures", s.auth_failures},
      {"errors", s.errors},
      {"throttled", s.throttled},
      {"server_errors", s.server_errors},
      {"dropped_before", s.dropped_before},
      {"dropped_after_commit", s.dropped_after_commit},
      {"unprocessed_records", s.unprocessed_records},
      {"faults_injected", s.faults_injected()},
      {"records_accepted", s.records_accepted},
      {"records_idempotent", s.records_idempotent},
      {"records_duplicate", s.records_duplicate},
      {"records_not_subscribed", s.records_not_subscribed},
      {"events_published", s.events_published},
      {"event_delivery_failures", s.event_delivery_failures},
  };
}

json::value to_json(const fault_options& f) {
  return json::object{
      {"throttle_percent", f.throttle_percent},
      {"server_error_percent", f.server_error_percent},
      {"drop_connection_percent", f.drop_connection_percent},
      {"drop_after_commit_percent", f.drop_after_commit_percent},
      {"unprocessed_percent", f.unprocessed_percent},
      {"latency_ms", f.latency.count()},
      {"seed", f.seed},
  };
}

json::value ledger_to_json(const std::vector<accepted_record>& records,
                           const std::vector<usage_total>& totals) {
  json::array recs;
  recs.reserve(records.size());
  for (const auto& r : records) {
    json::object o;
    o["MeteringRecordId"] = r.metering_record_id;
    o["Operation"] = r.operation;
    o["ProductCode"] = r.product_code;
    o["UsageRecord"] = json::value_from(r.record);
    o["AcceptedAt"] = epoch(r.accepted_at);
    recs.push_back(std::move(o));
  }
  json::array sums;
  sums.reserve(totals.size());
  for (const auto& t : totals)
    sums.push_back(json::object{{"ProductCode", t.product_code},
                                {"Customer", t.customer},
                                {"Dimension", t.dimension},
                                {"LicenseArn", t.license_arn},
                                {"Quantity", t.quantity},
                                {"Records", t.records}});
  return json::object{{"records", std::move(recs)}, {"totals", std::move(sums)}};
}

}  // namespace awsmp::testing::detail
