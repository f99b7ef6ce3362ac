#include "testing/emulator_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <vector>

namespace awsmp::testing::detail {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

auth_failure incomplete(std::string message) {
  return {400, "IncompleteSignatureException", std::move(message)};
}
auth_failure invalid(std::string message) {
  return {403, "InvalidSignatureException", std::move(message)};
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  return out;
}

// Parses YYYYMMDD'T'HHMMSS'Z' as UTC; empty when malformed.
std::optional<time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (std::size_t i = 0; i < 15; ++i)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  using namespace std::chrono;
  const year_month_day ymd{year{num(0, 4)}, month{static_cast<unsigned>(num(4, 2))},
                           day{static_cast<unsigned>(num(6, 2))}};
  // Years outside 1970..2200 are refused before the arithmetic: nanosecond time_points end
  // in 2262, and an unauthenticated request must not reach signed overflow.
  if (!ymd.ok() || ymd.year() < year{1970} || ymd.year() > year{2200}) return std::nullopt;
  const int h = num(9, 2), m = num(11, 2), sec = num(13, 2);
  if (h > 23 || m > 59 || sec > 60) return std::nullopt;
  return time_point{sys_days{ymd}} + hours{h} + minutes{m} + seconds{sec};
}

std::string format_amz_date(time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::array<char, 17> text{};
  std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(text.data(), 16);
}

}  // namespace

std::optional<auth_failure> verify_sigv4(const http_request& request, const auth_settings& settings,
                                         time_point now, sigv4::signing_key_cache& cache) {
  const auto auth_it = request.find(boost::beast::http::field::authorization);
  if (auth_it == request.end())
    return auth_failure{403, "MissingAuthenticationTokenException", "Missing Authentication Token"};
  std::string_view header(auth_it->value().data(), auth_it->value().size());
  header = trim(header);
  if (header.substr(0, algorithm.size()) != algorithm ||
      (header.size() > algorithm.size() && header[algorithm.size()] != ' '))
    return incomplete("Unsupported AWS 'algorithm': the Authorization header must start with AWS4-HMAC-SHA256");
  header.remove_prefix(std::min(header.size(), algorithm.size()));

  std::string_view credential, signed_headers, signature;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view part = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") credential = value;
    else if (key == "SignedHeaders") signed_headers = value;
    else if (key == "Signature") signature = value;
  }
  if (credential.empty() || signed_headers.empty() || signature.empty())
    return incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters");

  std::array<std::string_view, 5> scope;
  {
    std::string_view rest = credential;
    for (std::size_t i = 0; i < scope.size(); ++i) {
      const auto slash = rest.find('/');
      if (i + 1 < scope.size()) {
        if (slash == std::string_view::npos)
          return incomplete("Credential must have the form <access key>/<date>/<region>/<service>/aws4_request");
        scope[i] = rest.substr(0, slash);
        rest.remove_prefix(slash + 1);
      } else {
        if (slash != std::string_view::npos)
          return incomplete("Credential must have the form <access key>/<date>/<region>/<service>/aws4_request");
        scope[i] = rest;
      }
    }
  }
  const auto [access_key, scope_date, scope_region, scope_service, terminator] = scope;
  if (terminator != "aws4_request") return invalid("Credential should be scoped with a valid terminator: 'aws4_request'");

  const auto date_it = request.find("X-Amz-Date");
  if (date_it == request.end())
    return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header");
  const std::string_view amz_date(date_it->value().data(), date_it->value().size());
  const auto signed_at = parse_amz_date(amz_date);
  if (!signed_at) return incomplete("X-Amz-Date must have the form YYYYMMDD'T'HHMMSS'Z'");
  if (scope_date != amz_date.substr(0, 8))
    return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP");
  if (scope_service != settings.service)
    return invalid("Credential should be scoped to correct service: '" + std::string(settings.service) + "'");
  if (!settings.region.empty() && scope_region != settings.region)
    return invalid("Credential should be scoped to a valid region");
  if (scope_region.empty()) return invalid("Credential should be scoped to a valid region");

  bool host_signed = false;
  for (std::string_view rest = signed_headers; !rest.empty();) {
    const auto semi = rest.find(';');
    if (rest.substr(0, semi) == "host") host_signed = true;
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
  }
  if (!host_signed) return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization");

  const std::string* secret = nullptr;
  if (settings.credentials) {
    if (const auto it = settings.credentials->find(access_key); it != settings.credentials->end()) secret = &it->second;
  }
  if (!secret)
    return auth_failure{403, "UnrecognizedClientException", "The security token included in the request is invalid."};

  if (*signed_at + settings.max_skew < now)
    return invalid("Signature expired: " + std::string(amz_date) + " is now earlier than " +
                   format_amz_date(now - settings.max_skew) + " (" + format_amz_date(now) + " - " +
                   std::to_string(settings.max_skew.count() / 60) + " min.)");
  if (*signed_at - settings.max_skew > now)
    return invalid("Signature not yet current: " + std::string(amz_date) + " is still later than " +
                   format_amz_date(now + settings.max_skew) + " (" + format_amz_date(now) + " + " +
                   std::to_string(settings.max_skew.count() / 60) + " min.)");

  const std::string canonical = sigv4::canonical_request(request);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (!EVP_Digest(canonical.data(), canonical.size(), digest.data(), &digest_size, EVP_sha256(), nullptr))
    return auth_failure{500, "InternalFailure", "SHA-256 failed"};
  std::string string_to_sign;
  string_to_sign.reserve(160);
  string_to_sign.append(algorithm).append("\n").append(amz_date).append("\n");
  string_to_sign.append(scope_date).append("/").append(scope_region).append("/").append(scope_service);
  string_to_sign.append("/aws4_request\n").append(to_hex(digest.data(), digest_size));

  const auto key = cache.get(*secret, scope_date, scope_region, scope_service);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), mac.data(),
            &mac_size))
    return auth_failure{500, "InternalFailure", "HMAC-SHA256 failed"};
  const std::string expected = to_hex(mac.data(), mac_size);
  // Constant time, so that the comparison does not tell an attacker how many digits matched.
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0)
    return invalid(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details.");
  return std::nullopt;
}

}  // namespace awsmp::testing::detail
