#include <array>
#include <awsmp/marketplace_event.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <utility>

#include "core/throw.hpp"
#include "credentials/credentials_json.hpp"

namespace awsmp {

namespace json = boost::json;

namespace {

struct detail_type_entry {
  std::string_view prefix;
  marketplace_event_kind kind;
  bool proposer_allowed;  // License events are sent to the manufacturer only
};

// The SaaS detail-types of source aws.agreement-marketplace (Seller Guide, "Managing SaaS
// subscription events with Amazon EventBridge"); the role suffix follows " - ".
constexpr std::array<detail_type_entry, 5> detail_types{{
    {"Purchase Agreement Created", marketplace_event_kind::agreement_created, true},
    {"Purchase Agreement Amended", marketplace_event_kind::agreement_amended, true},
    {"Purchase Agreement Ended", marketplace_event_kind::agreement_ended, true},
    {"License Updated", marketplace_event_kind::license_updated, false},
    {"License Deprovisioned", marketplace_event_kind::license_deprovisioned, false},
}};

constexpr std::array<std::pair<std::string_view, marketplace_event_kind>, 5> actions{{
    {"subscribe-success", marketplace_event_kind::subscribe_success},
    {"subscribe-fail", marketplace_event_kind::subscribe_fail},
    {"unsubscribe-pending", marketplace_event_kind::unsubscribe_pending},
    {"unsubscribe-success", marketplace_event_kind::unsubscribe_success},
    {"entitlement-updated", marketplace_event_kind::entitlement_updated},
}};

[[noreturn]] void malformed(std::string_view where, std::string_view rule) {
  std::string m(where);
  m += ": ";
  m += rule;
  detail::throw_error(errc::malformed_message, m);
}

json::value parse_object(std::string_view body, std::string_view what) {
  if (body.size() > max_event_bytes) malformed(what, "larger than 256 KiB");
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) malformed(what, "not valid JSON");
  if (!doc.is_object()) malformed(what, "must be a JSON object");
  return doc;
}

// A string member; absent or null gives "" (required ones are checked by the caller).
std::string member_string(const json::object& obj, std::string_view key, std::string_view path) {
  const auto* v = obj.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_string()) malformed(std::string(path) + "." + std::string(key), "must be a string");
  return std::string(v->as_string());
}

const json::object* member_object(const json::object& obj, std::string_view key, std::string_view path) {
  const auto* v = obj.if_contains(key);
  if (!v || v->is_null()) return nullptr;
  if (!v->is_object()) malformed(std::string(path) + "." + std::string(key), "must be an object");
  return &v->as_object();
}

std::string nested_string(const json::object& detail, std::string_view object, std::string_view key) {
  const auto* o = member_object(detail, object, "detail");
  return o ? member_string(*o, key, "detail." + std::string(object)) : std::string();
}

}  // namespace

std::string_view to_string(marketplace_event_kind kind) noexcept {
  switch (kind) {
    case marketplace_event_kind::subscribe_success:
      return "subscribe-success";
    case marketplace_event_kind::subscribe_fail:
      return "subscribe-fail";
    case marketplace_event_kind::unsubscribe_pending:
      return "unsubscribe-pending";
    case marketplace_event_kind::unsubscribe_success:
      return "unsubscribe-success";
    case marketplace_event_kind::entitlement_updated:
      return "entitlement-updated";
    case marketplace_event_kind::agreement_created:
      return "Purchase Agreement Created";
    case marketplace_event_kind::agreement_amended:
      return "Purchase Agreement Amended";
    case marketplace_event_kind::agreement_ended:
      return "Purchase Agreement Ended";
    case marketplace_event_kind::license_updated:
      return "License Updated";
    case marketplace_event_kind::license_deprovisioned:
      return "License Deprovisioned";
    case marketplace_event_kind::subscription_confirmation:
      return "SubscriptionConfirmation";
    case marketplace_event_kind::unsubscribe_confirmation:
      return "UnsubscribeConfirmation";
  }
  return "unknown";
}

marketplace_event parse_eventbridge_event(std::string_view body) {
  const json::value doc = parse_object(body, "(event)");
  const json::object& root = doc.as_object();
  marketplace_event ev;
  ev.channel = marketplace_event_channel::eventbridge;
  if (member_string(root, "source", "(event)") != "aws.agreement-marketplace")
    malformed("source", "must be aws.agreement-marketplace");
  const std::string type = member_string(root, "detail-type", "(event)");
  bool known = false;
  for (const auto& entry : detail_types) {
    const std::string_view t = type;
    if (t.substr(0, entry.prefix.size()) != entry.prefix) continue;
    const std::string_view role = t.substr(entry.prefix.size());
    if (role == " - Manufacturer" || (entry.proposer_allowed && role == " - Proposer")) {
      ev.kind = entry.kind;
      known = true;
    }
    break;
  }
  if (!known)
    malformed("detail-type",
              "not one of the Purchase Agreement or License detail-types this library applies");
  const std::string id = member_string(root, "id", "(event)");
  if (id.empty() || id.size() > 128) malformed("id", "required, 1..128 characters");
  ev.dedup_id = "eventbridge:" + id;
  ev.seller_account = member_string(root, "account", "(event)");
  const auto when = detail::parse_iso8601(member_string(root, "time", "(event)"));
  if (!when) malformed("time", "must be an ISO 8601 time with a zone");
  ev.time = *when;
  const auto* detail = member_object(root, "detail", "(event)");
  if (!detail) malformed("detail", "required object");
  ev.agreement_id = nested_string(*detail, "agreement", "id");
  ev.agreement_status = nested_string(*detail, "agreement", "status");
  ev.agreement_intent = nested_string(*detail, "agreement", "intent");
  ev.account_id = nested_string(*detail, "acceptor", "accountId");
  ev.offer_id = nested_string(*detail, "offer", "id");
  ev.product_code = nested_string(*detail, "product", "code");
  ev.product_id = nested_string(*detail, "product", "id");
  std::string license = nested_string(*detail, "license", "arn");
  // The Seller Guide's License event example prints the ARN without its "arn:" prefix; stored
  // and billed licenses carry it (ResolveCustomer's LicenseArn), so compare in that form.
  if (license.rfind("aws:license-manager:", 0) == 0) license.insert(0, "arn:");
  if (ev.account_id.empty()) malformed("detail.acceptor.accountId", "required");
  if (ev.agreement_id.empty()) malformed("detail.agreement.id", "required");
  if (ev.kind == marketplace_event_kind::license_updated ||
      ev.kind == marketplace_event_kind::license_deprovisioned) {
    if (license.empty()) malformed("detail.license.arn", "required for License events");
    if (ev.product_code.empty()) malformed("detail.product.code", "required for License events");
  }
  // AWS documents no license on the Purchase Agreement events; if one is ever present, use it.
  if (!license.empty()) ev.customer = billed_customer::account(ev.account_id, std::move(license));
  return ev;
}

void parse_marketplace_message(std::string_view message, marketplace_event& out) {
  const json::value doc = parse_object(message, "Message");
  const json::object& root = doc.as_object();
  const std::string action = member_string(root, "action", "Message");
  bool known = false;
  for (const auto& [name, kind] : actions)
    if (action == name) {
      out.kind = kind;
      known = true;
    }
  if (!known) malformed("Message.action", "not a known AWS Marketplace action");
  // Both spellings AWS has used: customer-identifier/product-code and CustomerIdentifier/ProductCode.
  std::string customer = member_string(root, "customer-identifier", "Message");
  if (customer.empty()) customer = member_string(root, "CustomerIdentifier", "Message");
  std::string product = member_string(root, "product-code", "Message");
  if (product.empty()) product = member_string(root, "ProductCode", "Message");
  if (customer.empty()) malformed("Message.customer-identifier", "required");
  if (product.empty()) malformed("Message.product-code", "required");
  out.customer = billed_customer::legacy(std::move(customer));
  out.product_code = std::move(product);
  out.offer_id = member_string(root, "offer-identifier", "Message");
  // Documented as the string "true"/"false"; accept a JSON boolean as well.
  if (const auto* trial = root.if_contains("isFreeTrialTermPresent")) {
    if (trial->is_bool())
      out.free_trial = trial->as_bool();
    else if (trial->is_string())
      out.free_trial = trial->as_string() == "true";
  }
}

}  // namespace awsmp
