// core/redact: every piece of a secret (8 bytes or more) goes, in any form; text from peers
// loses control characters and is capped.
#include "core/redact.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>

using awsmp::detail::redact_secret;
using awsmp::detail::sanitize_peer_text;

namespace {

bool has_slice(std::string_view text, std::string_view secret) {
  for (std::size_t i = 0; i + 8 <= secret.size(); ++i)
    if (text.find(secret.substr(i, 8)) != std::string_view::npos) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(core_redact)

BOOST_AUTO_TEST_CASE(every_form_of_an_echo_is_redacted) {
  const std::string secret = "FwoGZXIvYXdzEXAMPLEtoken+/abc";
  const std::string a = secret.substr(0, 14), b = secret.substr(14);
  const struct {
    const char* form;
    std::string text;
  } cases[] = {
      {"name: value", "X-Amz-Security-Token: " + secret},
      {"quoted", "\"token\":\"" + secret + "\""},
      {"repeated", secret + secret + " " + secret},
      {"separators", a + ", " + b + ";" + a},
      {"split lines", a + "\r\n" + b},
      {"truncated", "cut " + secret.substr(5, 9)},
  };
  for (const auto& c : cases) {
    std::string text = c.text;
    redact_secret(text, secret);
    BOOST_TEST(!has_slice(text, secret), c.form << ": " << text);
    BOOST_TEST(text.find("<redacted>") != std::string::npos, c.form << ": " << text);
  }
  std::string untouched = "nothing secret here";
  redact_secret(untouched, secret);
  BOOST_TEST(untouched == "nothing secret here");
  std::string short_secret = "ab-ab-ab";
  redact_secret(short_secret, "ab");
  BOOST_TEST(short_secret == "<redacted>-<redacted>-<redacted>");
}

BOOST_AUTO_TEST_CASE(peer_text_is_sanitised_then_capped) {
  const std::string secret = "SECRETvalue12345";
  const auto out = sanitize_peer_text(
      "a\r\nb\x07"
      "SECRET\nvalue12345 " +
          std::string(100, 'x'),
      20, {secret});
  BOOST_TEST(out.find('\n') == std::string::npos);
  BOOST_TEST(out.find('\x07') == std::string::npos);
  BOOST_TEST(!has_slice(out, secret), out);
  BOOST_TEST(out.size() == 23u);  // 20 bytes and "..."
  BOOST_TEST(out.starts_with("ab<redacted>"), out);
}

BOOST_AUTO_TEST_SUITE_END()
