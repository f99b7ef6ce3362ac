// Shared by the emulator's integration tests: an emulator on its own thread with a settable
// clock, awsmp's own clients pointed at it, and a raw signed-request helper for what the
// clients refuse to send (invalid input, broken signatures).
// TODO(lead): migrate to tests/support: settable_clock -> tests/support/manual_clock.hpp, temp_path ->
// tests/support/temp_dir.hpp, run -> tests/support/run_sync.hpp.
#pragma once

#include <unistd.h>

#include <atomic>
#include <awsmp/credentials.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/error.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/wire.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "transport/http_client.hpp"

namespace emu_test {

using namespace awsmp;
using namespace std::chrono_literals;
namespace http = boost::beast::http;

inline constexpr const char* access_key = "AKIDEXAMPLE";
inline constexpr const char* secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr const char* product = "prod-abc";

/// A clock that tests move by hand; shared by the emulator and the signer.
struct settable_clock {
  std::shared_ptr<std::atomic<std::int64_t>> seconds =
      std::make_shared<std::atomic<std::int64_t>>(1'768'478'430);  // 2026-01-15T12:00:30Z
  clock_function function() const {
    return [s = seconds] { return time_point{std::chrono::seconds{s->load()}}; };
  }
  time_point now() const { return time_point{std::chrono::seconds{seconds->load()}}; }
  void advance(std::chrono::seconds d) { seconds->fetch_add(d.count()); }
};

/// A unique path in the temp directory, removed at destruction.
struct temp_path {
  std::filesystem::path path;
  explicit temp_path(const std::string& name) {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("awsmp-emu-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name);
  }
  ~temp_path() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

/// The tables most tests use: one product with two dimensions, five customers (one not
/// subscribed, one with an expired token), seven entitlements.
inline testing::emulator_options default_options(const settable_clock& clock) {
  testing::emulator_options o;
  o.clock = clock.function();
  o.products = {{product, {"tokens_1m", "requests"}}, {"prod-other", {}}};
  for (int i = 1; i <= 5; ++i) {
    testing::emulated_customer c;
    c.registration_token = "token-" + std::to_string(i);
    c.identity.customer_identifier = "cust-" + std::to_string(i);
    c.identity.product_code = product;
    c.identity.customer_aws_account_id = "11111111111" + std::to_string(i);
    c.identity.license_arn = "arn:aws:license-manager::123456789012:license/l-" + std::to_string(i);
    if (i == 4) c.subscribed = false;
    if (i == 5) c.token_expires_at = clock.now() - 1s;
    o.customers.push_back(c);
  }
  for (int i = 1; i <= 5; ++i) {
    marketplace_entitlement e;
    e.product_code = product;
    e.dimension = "tokens_1m";
    e.customer_identifier = "cust-" + std::to_string(i);
    e.value = std::int64_t{i * 10};
    o.entitlements.push_back(e);
  }
  marketplace_entitlement other{"prod-other", "seats", "cust-1", "", "", std::string("gold"), std::nullopt};
  o.entitlements.push_back(other);
  marketplace_entitlement seats{product, "requests", "cust-1", "", "", true, std::nullopt};
  o.entitlements.push_back(seats);
  return o;
}

/// An HTTP answer as the tests inspect it.
struct raw_answer {
  unsigned status = 0;
  std::string error_type;  // x-amzn-ErrorType
  std::string request_id;  // x-amzn-RequestId
  std::string body;
  std::string type() const {  // __type of the body
    auto jv = boost::json::parse(body);
    if (const auto* t = jv.as_object().if_contains("__type")) return std::string(t->as_string());
    return {};
  }
};

struct emulator_fixture {
  settable_clock clock;
  temp_path ca{"ca.pem"};
  testing::emulator_options options;
  std::unique_ptr<testing::marketplace_emulator> emulator;
  static_credentials_provider provider{credentials{access_key, secret_key, "", std::nullopt}};
  std::unique_ptr<sigv4_signer> signer;
  asio::io_context ioc;

  explicit emulator_fixture(std::function<void(testing::emulator_options&)> tweak = {}) {
    options = default_options(clock);
    options.ca_file = ca.path.string();
    if (tweak) tweak(options);
    emulator = std::make_unique<testing::marketplace_emulator>(options);
    emulator->start();
    signer = std::make_unique<sigv4_signer>(provider, "us-east-1", "aws-marketplace", clock.function());
  }
  ~emulator_fixture() { emulator->stop(); }

  client_options client(int attempts = 1) const {
    client_options o;
    o.endpoint = emulator->endpoint();
    o.ca_file = options.tls ? ca.path.string() : std::string();
    o.max_attempts = attempts;
    o.base_backoff = 1ms;
    o.max_backoff = 5ms;
    o.timeout = 5s;
    return o;
  }

  /// Runs one awaitable to completion on the test's io_context; rethrows what it throws.
  template <class T>
  T run(asio::awaitable<T> a) {
    auto f = asio::co_spawn(ioc, std::move(a), asio::use_future);
    ioc.restart();
    ioc.run();
    return f.get();
  }

  /// Builds a POST / with X-Amz-Target and `body`; `edit` may change it before signing.
  http_request make_request(std::string_view target, std::string body,
                            const std::function<void(http_request&)>& edit = {}) const {
    http_request req{http::verb::post, "/", 11};
    req.set(http::field::host, detail::endpoint::parse(emulator->endpoint()).host_header());
    req.set(http::field::content_type, wire::content_type);
    req.set("X-Amz-Target", target);
    req.body() = std::move(body);
    req.prepare_payload();
    if (edit) edit(req);
    return req;
  }

  /// Sends `req` over a fresh connection; signs it first with `creds` at `at` unless told not to.
  raw_answer send(http_request req,
                  std::optional<credentials> creds = credentials{access_key, secret_key, "", {}},
                  std::optional<time_point> at = std::nullopt, std::string_view service = "aws-marketplace") {
    if (creds) sigv4::sign(req, *creds, "us-east-1", service, at.value_or(clock.now()));
    detail::http_client_options o;
    o.ca_file = options.tls ? ca.path.string() : std::string();
    o.timeout = 5s;
    detail::http_client client(ioc.get_executor(), detail::endpoint::parse(emulator->endpoint()), o);
    auto res = run(client.send(std::move(req)));
    raw_answer a;
    a.status = res.result_int();
    a.error_type = std::string(res["x-amzn-ErrorType"]);
    a.request_id = std::string(res["x-amzn-RequestId"]);
    a.body = res.body();
    return a;
  }

  /// A signed service call with a raw JSON body.
  raw_answer call(std::string_view target, std::string body) {
    return send(make_request(target, std::move(body)));
  }
};

/// Runs `f` and returns the aws_error it throws (failing the test if it throws none).
template <class F>
aws_error expect_aws_error(F&& f) {
  try {
    f();
  } catch (const aws_error& e) {
    return e;
  } catch (const std::exception& e) {
    BOOST_FAIL(std::string("expected aws_error, got: ") + e.what());
  }
  BOOST_FAIL("expected aws_error, but the call succeeded");
  throw std::logic_error("unreachable");
}

/// A record at `t` for `customer`.
inline usage_record record(std::string customer, std::int32_t quantity, time_point t,
                           std::string dimension = "tokens_1m") {
  usage_record r;
  r.customer_identifier = std::move(customer);
  r.dimension = std::move(dimension);
  r.quantity = quantity;
  r.timestamp = t;
  return r;
}

/// Epoch seconds of a time point, for hand-written JSON bodies.
inline std::string epoch(time_point t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace emu_test
