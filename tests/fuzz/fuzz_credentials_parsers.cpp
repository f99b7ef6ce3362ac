// Fuzz target: the parsers of untrusted credential inputs (issue 15 items 2 and 9). The first
// byte picks one: parse_iso8601, the container/IMDS JSON document, the STS XML answer and
// ErrorResponse, the INI dialect of the shared config files, the one URL parser, the host
// allow-lists, and secret redaction.
// Properties: parse_iso8601 never yields a time outside 1970..2201 (no int64 overflow); the
// parsers throw only their documented errc (malformed_message / service_error /
// invalid_argument); no error text quotes the document's secret key (8-byte slices); a parsed
// URL has a port 1..65535, a host of at most 253 bytes without control characters, spaces,
// '/', '@' or '%', and a target starting with '/'; a loopback host is also an allowed container
// host; after redact_secret no 8-byte slice of the secret is left.
#include <awsmp/error.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/redact.hpp"
#include "credentials/credentials_http.hpp"
#include "credentials/credentials_json.hpp"
#include "credentials/ini_file.hpp"
#include "credentials/sts_xml.hpp"
#include "fuzz/support/fuzz_support.hpp"
#include "transport/http_client.hpp"

namespace {

using awsmp::fuzz::check;
namespace d = awsmp::detail;

bool has_slice(std::string_view text, std::string_view secret) {
  if (secret.size() < d::secret_slice_bytes)
    return !secret.empty() && text.find(secret) != std::string_view::npos;
  for (std::size_t i = 0; i + d::secret_slice_bytes <= secret.size(); ++i)
    if (text.find(secret.substr(i, d::secret_slice_bytes)) != std::string_view::npos) return true;
  return false;
}

// A recognisable secret: a marker on both sides of at most four fuzz-chosen letters or digits,
// so that every 8-byte slice holds "XJ" or "ZQ", which no fixed message text and no
// "<redacted>" marker can form.
std::string make_secret(awsmp::fuzz::reader& in) {
  std::string s = "ZQXJ";
  const unsigned n = in.byte() % 5u;
  for (unsigned i = 0; i < n; ++i) s += "abcdefghijklmnopqrstuvwxyz0123456789"[in.byte() % 36];
  return s + "ZQXJ";
}

// Runs `f`; a system_error must carry one of the allowed codes. Returns what() (empty on success).
template <class F>
std::string only(F&& f, std::initializer_list<awsmp::errc> allowed) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    bool ok = false;
    for (const auto code : allowed) ok = ok || e.code() == code;
    check(ok, "a parser threw an undocumented error code");
    return e.what();
  }
  return {};
}

void check_url(std::string_view text) {
  for (const bool allow_query : {false, true}) {
    try {
      const auto u = d::parse_url(text, "endpoint", allow_query);
      const unsigned long port = std::stoul(u.ep.port);
      check(port >= 1 && port <= 65535, "parse_url: port out of range");
      check(!u.ep.host.empty() && u.ep.host.size() <= 253, "parse_url: host empty or too long");
      for (const char c : u.ep.host) {
        const auto b = static_cast<unsigned char>(c);
        check(b > 0x20 && b != 0x7f && c != '/' && c != '@' && c != '%',
              "parse_url: host has a forbidden byte");
      }
      check(!u.target.empty() && u.target.front() == '/', "parse_url: target does not start with '/'");
      check(allow_query || u.target.find('?') == std::string::npos,
            "parse_url: a query was kept although refused");
      const auto header = u.ep.host_header();
      for (const char c : header)
        check(static_cast<unsigned char>(c) > 0x20, "parse_url: Host header has a control byte");
    } catch (const boost::system::system_error& e) {
      check(e.code() == awsmp::errc::invalid_argument, "parse_url threw something but invalid_argument");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  awsmp::fuzz::reader in(data, size);
  const auto which = in.byte() % 7;
  switch (which) {
    case 0: {
      const auto text = in.rest();
      if (const auto t = d::parse_iso8601(text)) {
        using namespace std::chrono;
        check(*t >= awsmp::time_point(sys_days{year{1969} / 12 / 31}) &&
                  *t <= awsmp::time_point(sys_days{year{2201} / 1 / 2}),
              "parse_iso8601 returned a time outside 1970..2200");
      }
      break;
    }
    case 1: {
      const auto secret = make_secret(in);
      const auto rest = in.rest();
      // The secret is put into the document, so that any echo of it is recognisable.
      const std::string doc =
          "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"" + secret + "\"," + std::string(rest);
      const auto what = only([&] { (void)d::parse_credentials_json(doc, "fuzz"); },
                             {awsmp::errc::malformed_message, awsmp::errc::service_error});
      check(!has_slice(what, secret), "a credentials JSON error quoted the secret key");
      (void)only([&] { (void)d::parse_credentials_json(rest, "fuzz"); },
                 {awsmp::errc::malformed_message, awsmp::errc::service_error});
      break;
    }
    case 2: {
      const auto xml = in.rest();
      (void)only([&] { (void)d::parse_assume_role_with_web_identity_response(xml); },
                 {awsmp::errc::malformed_message});
      (void)d::parse_sts_error(xml);
      break;
    }
    case 3: {
      const auto text = in.rest();
      (void)only([&] { (void)d::parse_ini(text, "fuzz"); }, {awsmp::errc::invalid_argument});
      break;
    }
    case 4: {
      const auto text = in.rest();
      check_url(text);
      (void)only([&] { (void)d::parse_credentials_url(text, "url"); }, {awsmp::errc::invalid_argument});
      break;
    }
    case 5: {
      const auto host = in.rest();
      const bool loopback = d::is_loopback_host(host);
      const bool container = d::is_allowed_container_http_host(host);
      check(!loopback || container, "a loopback host is not an allowed container host");
      break;
    }
    default: {
      const auto secret = make_secret(in);
      const auto text = in.rest();
      auto redacted = std::string(text);
      d::redact_secret(redacted, secret);
      check(!has_slice(redacted, secret), "redact_secret left a slice of the secret");
      const auto clean = d::sanitize_peer_text(text, 64, {secret});
      for (const char c : clean)
        check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "sanitize_peer_text kept a control byte");
      check(clean.size() <= 67, "sanitize_peer_text exceeded its limit");
      break;
    }
  }
  return 0;
}
