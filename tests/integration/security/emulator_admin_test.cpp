// The emulator's admin surface (issue 15 item 5): every number of the admin JSON is
// range-checked (out-of-range doubles were converted to integers, undefined behaviour, and a
// huge inject count allocated under the core's lock); bound beyond loopback the example keys
// are refused and the admin endpoint needs a token; and a web page cannot drive a loopback
// emulator through the browser (Host and Origin are checked).
#include <awsmp/error.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "testing/emulator_json.hpp"

using namespace awsmp;
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

bool refused(const std::function<void()>& f) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    return e.code() == errc::invalid_argument;
  }
  return false;
}

// One blocking HTTP exchange with the emulator on 127.0.0.1.
http::response<http::string_body> exchange(std::uint16_t port, http::verb method, std::string target,
                                           std::map<std::string, std::string> headers,
                                           std::string body = {}) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return res;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_admin_surface)

BOOST_AUTO_TEST_CASE(admin_numbers_are_range_checked) {
  using testing::detail::faults_from_json;
  const testing::fault_options base;
  for (const char* bad :
       {R"({"latency_ms":1e300})", R"({"latency_ms":-1})", R"({"latency_ms":600001})", R"({"seed":1e30})",
        R"({"seed":-1})", R"({"seed":1.5})", R"({"seed":"7"})", R"({"throttle_percent":101})",
        R"({"unprocessed_percent":-0.5})", R"({"server_error_percent":1e999})"})
    BOOST_TEST(refused([&] { (void)faults_from_json(json::parse(bad), base); }), bad);
  const auto ok = faults_from_json(
      json::parse(R"({"latency_ms":600000,"seed":18446744073709551615,"throttle_percent":100})"), base);
  BOOST_TEST(ok.latency.count() == 600000);
  BOOST_TEST(ok.seed == 18446744073709551615ull);
  BOOST_TEST(faults_from_json(json::parse(R"({"seed":4096.0})"), base).seed == 4096u);

  for (const char* bad :
       {R"({"RegistrationToken":"t","CustomerIdentifier":"c","TokenExpiresAt":1e300})",
        R"({"RegistrationToken":"t","CustomerIdentifier":"c","TokenExpiresAt":-1e300})",
        R"({"RegistrationToken":"t","CustomerIdentifier":"c","TokenExpiresAt":7258118401})"})
    BOOST_TEST(refused([&] { (void)testing::detail::customer_from_json(json::parse(bad)); }), bad);
  BOOST_TEST(
      testing::detail::customer_from_json(
          json::parse(R"({"RegistrationToken":"t","CustomerIdentifier":"c","TokenExpiresAt":1800000000.5})"))
          .token_expires_at.has_value());

  for (const char* bad : {R"({"kind":"throttle","count":1e18})", R"({"kind":"throttle","count":0})",
                          R"({"kind":"throttle","count":100001})", R"({"kind":"throttle","count":-3})"})
    BOOST_TEST(refused([&] { (void)testing::detail::inject_count_from_json(json::parse(bad)); }), bad);
  BOOST_TEST(testing::detail::inject_count_from_json(json::parse(R"({"kind":"throttle"})")) == 1u);
}

BOOST_AUTO_TEST_CASE(a_huge_inject_count_is_refused_at_the_endpoint) {
  testing::emulator_options options;
  options.tls = false;
  testing::marketplace_emulator emulator(options);
  emulator.start();
  const auto res = exchange(emulator.port(), http::verb::post, "/_emulator/inject", {},
                            R"({"kind":"throttle","count":1e18})");
  BOOST_TEST(res.result_int() == 400u, res.body());
  BOOST_TEST(res.body().find("inject.count") != std::string::npos, res.body());
}

BOOST_AUTO_TEST_CASE(beyond_loopback_the_example_keys_are_refused_and_admin_needs_a_token) {
  testing::emulator_options options;
  options.tls = false;
  options.bind_address = "0.0.0.0";
  options.allow_non_loopback = true;
  BOOST_TEST(refused([&] {
               testing::marketplace_emulator e(options);
               e.start();
             }),
             "the well-known example keys were accepted on a non-loopback address");

  options.credentials = {{"AKIDOWNKEY", "own-secret-of-this-test"}};
  {
    testing::marketplace_emulator no_token(options);
    no_token.start();
    const auto res = exchange(no_token.port(), http::verb::get, "/_emulator/health", {});
    BOOST_TEST(res.result_int() != 200u, "admin served beyond loopback without a token: " << res.body());
  }
  options.admin_token = "admin-token-of-this-test";
  testing::marketplace_emulator with_token(options);
  with_token.start();
  BOOST_TEST(exchange(with_token.port(), http::verb::get, "/_emulator/health", {}).result_int() == 401u);
  BOOST_TEST(
      exchange(with_token.port(), http::verb::get, "/_emulator/health", {{"Authorization", "Bearer wrong"}})
          .result_int() == 401u);
  BOOST_TEST(exchange(with_token.port(), http::verb::get, "/_emulator/health",
                      {{"Authorization", "Bearer admin-token-of-this-test"}})
                 .result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(a_web_page_cannot_drive_a_loopback_emulator) {
  testing::emulator_options options;
  options.tls = false;
  testing::marketplace_emulator emulator(options);
  emulator.start();
  const auto port = emulator.port();
  // DNS rebinding: the page's own name resolved to 127.0.0.1, so the browser sends it as Host.
  BOOST_TEST(
      exchange(port, http::verb::post, "/_emulator/reset", {{"Host", "attacker.example"}}).result_int() ==
      403u);
  // A cross-origin form POST carries the page's Origin.
  BOOST_TEST(exchange(port, http::verb::post, "/_emulator/reset", {{"Origin", "http://attacker.example"}})
                 .result_int() == 403u);
  BOOST_TEST(exchange(port, http::verb::post, "/", {{"Origin", "null"}}).result_int() == 403u);
  // Tools on this machine still work.
  BOOST_TEST(exchange(port, http::verb::get, "/_emulator/health", {}).result_int() == 200u);
  BOOST_TEST(
      exchange(port, http::verb::get, "/_emulator/health", {{"Host", "localhost:" + std::to_string(port)}})
          .result_int() == 200u);
  BOOST_TEST(exchange(port, http::verb::get, "/_emulator/health", {{"Origin", "http://127.0.0.1:3000"}})
                 .result_int() == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
