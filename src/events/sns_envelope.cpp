#include "events/sns_envelope.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "core/throw.hpp"

namespace awsmp::detail {

namespace json = boost::json;

namespace {

// A member that must be a string when present; null counts as absent (as SNS writes it).
std::optional<std::string> optional_string(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw_error(errc::malformed_message, std::string(key) + ": must be a string");
  return std::string(v->as_string());
}

std::string string_or_empty(const json::object& obj, std::string_view key) {
  auto s = optional_string(obj, key);
  return s ? std::move(*s) : std::string();
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += '\n';
  out.append(value);
  out += '\n';
}

bool is_region_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

sns_envelope parse_sns_envelope(std::string_view body) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  if (ec) throw_error(errc::malformed_message, "(root): not valid JSON");
  if (!doc.is_object()) throw_error(errc::malformed_message, "(root): must be a JSON object");
  const auto& obj = doc.as_object();
  sns_envelope e;
  e.type = string_or_empty(obj, "Type");
  e.message_id = string_or_empty(obj, "MessageId");
  e.topic_arn = string_or_empty(obj, "TopicArn");
  e.subject = optional_string(obj, "Subject");
  e.message = string_or_empty(obj, "Message");
  e.timestamp = string_or_empty(obj, "Timestamp");
  e.signature_version = string_or_empty(obj, "SignatureVersion");
  e.signature = string_or_empty(obj, "Signature");
  e.signing_cert_url = string_or_empty(obj, "SigningCertURL");
  e.subscribe_url = string_or_empty(obj, "SubscribeURL");
  e.token = string_or_empty(obj, "Token");
  return e;
}

std::optional<std::string> sns_string_to_sign(const sns_envelope& e) {
  std::string out;
  out.reserve(e.message.size() + 512);
  if (e.type == "Notification") {
    append_field(out, "Message", e.message);
    append_field(out, "MessageId", e.message_id);
    if (e.subject) append_field(out, "Subject", *e.subject);
    append_field(out, "Timestamp", e.timestamp);
    append_field(out, "TopicArn", e.topic_arn);
    append_field(out, "Type", e.type);
    return out;
  }
  if (e.type == "SubscriptionConfirmation" || e.type == "UnsubscribeConfirmation") {
    append_field(out, "Message", e.message);
    append_field(out, "MessageId", e.message_id);
    append_field(out, "SubscribeURL", e.subscribe_url);
    append_field(out, "Timestamp", e.timestamp);
    append_field(out, "Token", e.token);
    append_field(out, "TopicArn", e.topic_arn);
    append_field(out, "Type", e.type);
    return out;
  }
  return std::nullopt;
}

std::string sns_topic_region(std::string_view arn) {
  // arn : partition : sns : region : account : name
  std::string_view parts[6];
  std::size_t n = 0;
  std::size_t start = 0;
  while (n < 5) {
    const auto colon = arn.find(':', start);
    if (colon == std::string_view::npos) return {};
    parts[n++] = arn.substr(start, colon - start);
    start = colon + 1;
  }
  parts[5] = arn.substr(start);
  if (parts[0] != "arn" || parts[1].substr(0, 3) != "aws" || parts[2] != "sns") return {};
  const auto region = parts[3];
  if (region.empty() || region.size() > 32 || !std::all_of(region.begin(), region.end(), is_region_char))
    return {};
  const auto account = parts[4];
  if (account.size() != 12 ||
      !std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  const auto name = parts[5];
  if (name.empty() || name.size() > 256 || !std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.';
      }))
    return {};
  return std::string(region);
}

namespace {

// The rule shared by every URL an SNS message makes us fetch (SigningCertURL, SubscribeURL):
// only AWS's own SNS host of the topic's region, over https on the default port, may be
// contacted, so a forged message cannot point us at a host of its choosing. Returns why not,
// or empty; on success `path_and_query` is everything from the first '/'.
std::string sns_host_violation(std::string_view url, std::string_view field, std::string_view region,
                               std::string_view host_suffix, std::string_view& path_and_query) {
  const std::string name(field);
  constexpr std::string_view scheme = "https://";
  if (url.substr(0, scheme.size()) != scheme) return name + " must use https";
  std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return name + " has no path";
  std::string_view authority = rest.substr(0, slash);
  path_and_query = rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return name + " must not carry user info";
  if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    if (authority.substr(colon + 1) != "443") return name + " must use the default https port";
    authority = authority.substr(0, colon);
  }
  if (region.empty()) return "the TopicArn names no region, so no " + name + " host can be trusted";
  std::string expected = "sns.";
  expected.append(region);
  expected.append(host_suffix);
  // Host names are case-insensitive; compare lower-cased so "SNS.us-east-1..." is not refused.
  std::string host(authority);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host != expected) return name + " host must be " + expected;
  if (path_and_query.find('#') != std::string_view::npos) return name + " must not have a fragment";
  return {};
}

}  // namespace

std::string cert_url_violation(std::string_view url, std::string_view region, std::string_view host_suffix) {
  std::string_view path;
  if (auto why = sns_host_violation(url, "SigningCertURL", region, host_suffix, path); !why.empty())
    return why;
  if (path.find('?') != std::string_view::npos) return "SigningCertURL must not have a query or fragment";
  if (path.find("..") != std::string_view::npos || path.find('%') != std::string_view::npos)
    return "SigningCertURL path must not contain '..' or percent-escapes";
  constexpr std::string_view pem = ".pem";
  if (path.size() <= pem.size() + 1 || path.substr(path.size() - pem.size()) != pem)
    return "SigningCertURL must end in .pem";
  return {};
}

std::string subscribe_url_violation(std::string_view url, std::string_view region,
                                    std::string_view host_suffix) {
  std::string_view target;
  if (auto why = sns_host_violation(url, "SubscribeURL", region, host_suffix, target); !why.empty())
    return why;
  const auto query = target.find('?');
  const std::string_view path = target.substr(0, query);
  if (path != "/") return "SubscribeURL path must be /";
  // Only the confirmation itself may be triggered, not another SNS action of the query API.
  const std::string_view params =
      query == std::string_view::npos ? std::string_view{} : target.substr(query + 1);
  bool confirm = false;
  std::size_t start = 0;
  while (start <= params.size()) {
    const auto amp = params.find('&', start);
    const auto param =
        params.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (param.substr(0, 7) == "Action=") {
      if (param != "Action=ConfirmSubscription") return "SubscribeURL must call Action=ConfirmSubscription";
      confirm = true;
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  if (!confirm) return "SubscribeURL must call Action=ConfirmSubscription";
  return {};
}

}  // namespace awsmp::detail
