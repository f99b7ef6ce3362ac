#include "credentials/credentials_json.hpp"

#include <awsmp/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>

#include "core/redact.hpp"
#include "core/throw.hpp"

namespace awsmp::detail {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<time_point> parse_iso8601(std::string_view s) noexcept {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  // Years outside 1970..2200 are refused before the arithmetic, as parse_amz_date does:
  // nanosecond time_points end in 2262, and these texts come from the network and the
  // environment, so an absurd year must not reach signed overflow.
  if (!ymd.ok() || ymd.year() < year{1970} || ymd.year() > year{2200}) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += nanoseconds{(s[pos] - '0') * scale};
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    const bool negative = s[pos] == '-';
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = hours{oh} + minutes{om};
    if (negative) offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;  // a time without a zone is ambiguous: refuse it rather than guess
  }
  if (pos != s.size()) return std::nullopt;
  const auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + fraction - offset;
  return time_point_cast<time_point::duration>(tp);
}

credentials parse_credentials_json(std::string_view body, std::string_view source) {
  const std::string prefix = std::string(source) + ": ";
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object())
    throw_error(errc::malformed_message, prefix + "the answer is not a JSON object");
  const auto& obj = doc.as_object();
  auto member = [&](std::string_view name, bool required) -> std::string {
    const auto* v = obj.if_contains(name);
    if (!v || v->is_null()) {
      if (required)
        throw_error(errc::malformed_message, prefix + "member " + std::string(name) + " is missing");
      return {};
    }
    if (!v->is_string())
      throw_error(errc::malformed_message, prefix + "member " + std::string(name) + " is not a string");
    return std::string(v->as_string());
  };
  if (const auto* code = obj.if_contains("Code");
      code && code->is_string() && code->as_string() != "Success") {
    // The peer's text: no control characters, capped, and no echo of the secrets it sent.
    auto secret_of = [&](std::string_view name) -> std::string_view {
      const auto* v = obj.if_contains(name);
      return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
    };
    throw_error(
        errc::service_error,
        prefix + "Code is " +
            sanitize_peer_text(code->as_string(), 64, {secret_of("SecretAccessKey"), secret_of("Token")}));
  }
  credentials out;
  out.access_key_id = member("AccessKeyId", true);
  out.secret_access_key = member("SecretAccessKey", true);
  out.session_token = member("Token", false);
  if (out.access_key_id.empty()) throw_error(errc::malformed_message, prefix + "member AccessKeyId is empty");
  if (out.secret_access_key.empty())
    throw_error(errc::malformed_message, prefix + "member SecretAccessKey is empty");
  const auto expiration = member("Expiration", false);
  if (!expiration.empty()) {
    out.expiration = parse_iso8601(expiration);
    if (!out.expiration)
      throw_error(errc::malformed_message, prefix + "member Expiration is not an ISO 8601 time");
  }
  return out;
}

}  // namespace awsmp::detail
