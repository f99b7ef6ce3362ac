#include "testing/emulator_json.hpp"
#include "core/throw.hpp"

#include <awsmp/error.hpp>

#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cmath>

namespace awsmp::testing::detail {
namespace json = boost::json;

namespace {

const json::object& as_object(const json::value& jv, std::string_view what) {
  if (!jv.is_object()) awsmp::detail::throw_invalid_argument(what, "must be a JSON object");
  return jv.get_object();
}

std::string get_string(const json::object& obj, std::string_view key, std::string_view what, bool required = false) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) {
    if (required) awsmp::detail::throw_invalid_argument(std::string(what) + "." + std::string(key), "is required");
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

json::value epoch(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

emulated_customer customer_from_json(const json::value& jv) {
  const auto& obj = as_object(jv, "customer");
  emulated_customer c;
  c.registration_token = get_string(obj, "RegistrationToken", "customer", true);
  c.identity.customer_identifier = get_string(obj, "CustomerIdentifier", "customer");
  c.identity.product_code = get_string(obj, "ProductCode", "customer");
  c.identity.customer_aws_account_id = get_string(obj, "CustomerAWSAccountId", "customer");
  c.identity.license_arn = get_string(obj, "LicenseArn", "customer");
  if (auto it = obj.find("Subscribed"); it != obj.end() && !it->value().is_null()) {
    if (!it->value().is_bool()) awsmp::detail::throw_invalid_argument("customer.Subscribed", "must be a boolean");
    c.subscribed = it->value().get_bool();
  }
  if (auto it = obj.find("TokenExpiresAt"); it != obj.end() && !it->value().is_null()) {
    const double s = get_number(obj, "TokenExpiresAt", "customer", 0);
    c.token_expires_at = time_point{std::chrono::seconds{static_cast<std::int64_t>(std::floor(s))}};
  }
  return c;
}

emulated_product product_from_json(const json::value& jv) {
  const auto& obj = as_object(jv, "product");
  emulated_product p;
  p.product_code = get_string(obj, "ProductCode", "product", true);
  if (auto it = obj.find("Dimensions"); it != obj.end() && !it->value().is_null()) {
    if (!it->value().is_array()) awsmp::detail::throw_invalid_argument("product.Dimensions", "must be a list of strings");
    for (const auto& d : it->value().get_array()) {
      if (!d.is_string()) awsmp::detail::throw_invalid_argument("product.Dimensions", "must be a list of strings");
      p.dimensions.emplace_back(d.get_string());
    }
  }
  return p;
}

marketplace_entitlement entitlement_from_json(const json::value& jv) {
  as_object(jv, "entitlement");
  try {
    auto e = json::value_to<marketplace_entitlement>(jv);
    if (e.product_code.empty()) awsmp::detail::throw_invalid_argument("entitlement.ProductCode", "is required");
    return e;
  } catch (const boost::system::system_error& e) {
    if (e.code() == awsmp::errc::invalid_argument) throw;
    awsmp::detail::throw_invalid_argument("entitlement", e.what());
  }
}

fault_options faults_from_json(const json::value& jv, fault_options base) {
  const auto& obj = as_object(jv, "faults");
  base.throttle_percent = get_number(obj, "throttle_percent", "faults", base.throttle_percent);
  base.server_error_percent = get_number(obj, "server_error_percent", "faults", base.server_error_percent);
  base.drop_connection_percent = get_number(obj, "drop_connection_percent", "faults", base.drop_connection_percent);
  base.drop_after_commit_percent = get_number(obj, "drop_after_commit_percent", "faults", base.drop_after_commit_percent);
  base.unprocessed_percent = get_number(obj, "unprocessed_percent", "faults", base.unprocessed_percent);
  base.latency = std::chrono::milliseconds{
      static_cast<std::int64_t>(get_number(obj, "latency_ms", "faults", static_cast<double>(base.latency.count())))};
  const double seed = get_number(obj, "seed", "faults", static_cast<double>(base.seed));
  if (seed < 0) awsmp::detail::throw_invalid_argument("faults.seed", "must not be negative");
  base.seed = static_cast<std::uint64_t>(seed);
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
    if (!it->value().is_array()) awsmp::detail::throw_invalid_argument(std::string("configuration.") + std::string(key), "must be a list");
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

json::value ledger_to_json(const std::vector<accepted_record>& records, const std::vector<usage_total>& totals) {
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
