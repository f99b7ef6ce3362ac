#include <array>
#include <awsmp/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/throw.hpp"

namespace awsmp {
namespace {

class category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "awsmp"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_argument:
        return "invalid argument";
      case errc::not_found:
        return "not found";
      case errc::product_mismatch:
        return "registration token belongs to another product";
      case errc::malformed_message:
        return "malformed AWS JSON 1.1 message";
      case errc::service_error:
        return "AWS answered with an error";
      case errc::timeout:
        return "timed out";
      case errc::response_too_large:
        return "response too large";
      case errc::retry_quota_exhausted:
        return "retry quota exhausted";
      case errc::credentials_unavailable:
        return "no credentials available";
      case errc::journal_corrupt:
        return "journal corrupt";
      case errc::store_corrupt:
        return "store corrupt";
      case errc::stopped:
        return "stopped";
    }
    return "unknown awsmp error " + std::to_string(ev);
  }
};

// A system_error whose what() is exactly the message given: Boost's own appends
// " [awsmp:N]" and the category message, which makes validation messages hard to read.
class plain_system_error final : public boost::system::system_error {
 public:
  plain_system_error(errc code, std::string message)
      : boost::system::system_error(make_error_code(code), message), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// Longest AWS message kept in an exception: a misbehaving proxy may answer megabytes of HTML.
constexpr std::size_t max_kept_message = 1024;

std::string printable_prefix(std::string_view text, std::size_t limit) {
  std::string out;
  const std::size_t n = text.size() < limit ? text.size() : limit;
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // Control characters would let a response forge extra log lines.
    out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  }
  if (text.size() > limit) out += "...";
  return out;
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_icase(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != prefix[i]) return false;
  }
  return true;
}

// AWS's InvalidSignatureException quotes the canonical request it expected, which carries the
// value of every signed header, the session token included. Whatever follows one of these
// markers, up to the next delimiter, is replaced so that no secret reaches an exception.
std::string redact_secrets(std::string_view text) {
  static constexpr std::string_view markers[] = {
      "x-amz-security-token:", "x-amz-security-token=", "signature="};
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    bool redacted = false;
    for (const auto marker : markers) {
      if (!starts_with_icase(text.substr(i), marker)) continue;
      out.append(text.data() + i, marker.size());
      i += marker.size();
      while (i < text.size() && text[i] != '\n' && text[i] != '\r' && text[i] != ' ' && text[i] != '\t' &&
             text[i] != '\'' && text[i] != '"' && text[i] != '&' && text[i] != ',' && text[i] != '\\')
        ++i;
      out += "<redacted>";
      redacted = true;
      break;
    }
    if (!redacted) out += text[i++];
  }
  return out;
}

std::string compose_what(unsigned status, const std::string& type, const std::string& request_id,
                         const std::string& message) {
  std::string w;
  w.reserve(type.size() + request_id.size() + message.size() + 40);
  w += type;
  w += " (HTTP ";
  w += std::to_string(status);
  w += ", request id ";
  w += request_id.empty() ? std::string("none") : request_id;
  w += "): ";
  w += message;
  return w;
}

std::string_view string_member(const boost::json::object& obj, std::string_view key) {
  if (const auto* v = obj.if_contains(key)) {
    if (const auto* s = v->if_string()) return *s;
  }
  return {};
}

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category_impl instance;
  return instance;
}

boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

aws_error::aws_error(unsigned http_status, std::string type, std::string message, std::string request_id)
    : boost::system::system_error(make_error_code(errc::service_error)),
      what_(compose_what(http_status, type, request_id, message)),
      type_(std::move(type)),
      aws_message_(std::move(message)),
      request_id_(std::move(request_id)),
      http_status_(http_status),
      retryable_(is_retryable_error(type_, http_status)) {}

bool is_retryable_error(std::string_view type, unsigned http_status) noexcept {
  // The throttling and transient codes of the AWS SDKs' "standard" retry mode, plus the
  // marketplace services' own InternalServiceErrorException.
  static constexpr std::array<std::string_view, 24> retryable_types = {
      "ThrottlingException",
      "Throttling",
      "ThrottledException",
      "RequestThrottledException",
      "RequestThrottled",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
      "RequestTimeout",
      "RequestTimeoutException",
      "InternalError",
      "InternalFailure",
      "InternalServerError",
      "InternalServerException",
      "InternalServiceError",
      "InternalServiceErrorException",
      "ServiceUnavailable",
      "ServiceUnavailableException",
  };
  const std::string_view bare = trim_aws_error_type(type);
  for (const auto t : retryable_types) {
    if (bare == t) return true;
  }
  switch (http_status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::string_view trim_aws_error_type(std::string_view type) noexcept {
  // AWS JSON protocol rule: drop everything from the first ':' (a URI), then everything up to
  // and including the last '#' (a Smithy namespace).
  if (const auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  if (const auto hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return type;
}

aws_error decode_aws_error(unsigned http_status, std::string_view error_type_header,
                           std::string_view request_id_header, std::string_view body) {
  std::string type(trim_aws_error_type(error_type_header));
  std::string message;

  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  const boost::json::object* obj = ec ? nullptr : doc.if_object();
  if (obj != nullptr) {
    if (type.empty()) {
      std::string_view body_type = string_member(*obj, "__type");
      if (body_type.empty()) body_type = string_member(*obj, "code");
      type = trim_aws_error_type(body_type);
    }
    std::string_view m = string_member(*obj, "message");
    if (m.empty()) m = string_member(*obj, "Message");
    if (m.empty()) m = string_member(*obj, "errorMessage");
    message = printable_prefix(redact_secrets(m), max_kept_message);
  } else if (body.empty()) {
    message = "empty error body";
  } else {
    message = (ec ? "error body is not JSON: " : "error body is not a JSON object: ") +
              printable_prefix(redact_secrets(body.substr(0, 4096)), 128);
  }
  if (type.empty()) type = "UnknownError";
  type = printable_prefix(type, 256);
  return aws_error(http_status, std::move(type), std::move(message),
                   printable_prefix(request_id_header, 256));
}

namespace detail {

void throw_invalid_argument(std::string_view field, std::string_view rule) {
  std::string message;
  message.reserve(field.size() + rule.size() + 2);
  message += field;
  message += ": ";
  message += rule;
  throw plain_system_error(errc::invalid_argument, std::move(message));
}

void throw_error(errc code, std::string_view message) {
  throw plain_system_error(code, std::string(message));
}

}  // namespace detail
}  // namespace awsmp
