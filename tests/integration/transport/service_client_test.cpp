// metering_client / entitlement_service_client over a scripted loopback server: the request on
// the wire, retries of what is retryable (counted), no retry of what is not, clear errors.
#include <awsmp/credentials.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/wire.hpp>
#include <boost/beast/http/error.hpp>
#include <mutex>
#include <vector>

#include "misbehaving_server.hpp"

using namespace awsmp;
using namespace awsmp::test;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr const char* secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

struct fixture {
  static_credentials_provider provider{credentials{"AKIDEXAMPLE", secret, "", std::nullopt}};
  sigv4_signer signer{provider, "us-east-1"};

  client_options options_for(const misbehaving_server& server) const {
    client_options o;
    o.endpoint = server.url();
    o.base_backoff = 1ms;
    o.max_backoff = 5ms;
    o.timeout = 2s;
    return o;
  }
};

batch_meter_usage_input one_record() {
  batch_meter_usage_input in;
  in.product_code = "prod-abc123";
  usage_record r;
  r.customer_identifier = "cust-1";
  r.dimension = "tokens_1m";
  r.quantity = 3;
  r.timestamp = time_point(std::chrono::seconds(1'700'000'000));
  in.usage_records.push_back(r);
  return in;
}

const std::string batch_ok =
    R"({"Results":[{"UsageRecord":{"CustomerIdentifier":"cust-1","Dimension":"tokens_1m","Quantity":3,"Timestamp":1700000000},"MeteringRecordId":"mr-1","Status":"Success"}],"UnprocessedRecords":[]})";

// Answers the first `failures` requests (over all connections) with `failure`, then `success`.
misbehaving_server::behaviour fail_then_succeed(int failures, std::string failure, std::string success) {
  auto count = std::make_shared<int>(0);
  return [=](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      const bool fail = (*count)++ < failures;
      if (!co_await s.write(fail ? failure : success)) co_return;
    }
  };
}

template <class T>
asio::awaitable<std::exception_ptr> capture(asio::awaitable<T> a) {
  try {
    co_await std::move(a);
  } catch (...) {
    co_return std::current_exception();
  }
  co_return nullptr;
}

void rethrow_into(std::exception_ptr e, std::function<void(const boost::system::system_error&)> check) {
  BOOST_REQUIRE_MESSAGE(e, "expected the call to fail");
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& err) {
    BOOST_TEST(std::string(err.what()).find(secret) == std::string::npos);
    check(err);
  }
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(service_client_suite, fixture)

BOOST_AUTO_TEST_CASE(the_request_on_the_wire_is_a_signed_aws_json_post) {
  asio::io_context ioc;
  misbehaving_server server(ioc, fail_then_succeed(0, "", json_response(200, batch_ok)));
  metering_client client(ioc.get_executor(), signer, options_for(server));
  batch_meter_usage_output out;
  run_test(ioc, [&]() -> asio::awaitable<void> { out = co_await client.batch_meter_usage(one_record()); });
  const auto& req = server.last_request;
  BOOST_TEST(req.method_string() == "POST");
  BOOST_TEST(req.target() == "/");
  BOOST_TEST(req[http::field::content_type] == "application/x-amz-json-1.1");
  BOOST_TEST(req["X-Amz-Target"] == "AWSMPMeteringService.BatchMeterUsage");
  BOOST_TEST(req[http::field::host] == "127.0.0.1:" + std::to_string(server.port()));
  BOOST_TEST(req["amz-sdk-request"] == "attempt=1; max=3");
  const std::string auth(req[http::field::authorization]);
  BOOST_TEST(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0) == 0u, auth);
  BOOST_TEST(auth.find("/us-east-1/aws-marketplace/aws4_request") != std::string::npos, auth);
  BOOST_TEST(!req["X-Amz-Date"].empty());
  BOOST_TEST(req.body() == wire::encode(one_record()));
  BOOST_TEST(out.results.size() == 1u);
  BOOST_TEST(out.results.at(0).metering_record_id == "mr-1");
  BOOST_TEST(client.stats().requests == 1u);
  BOOST_TEST(client.stats().attempts == 1u);
  BOOST_TEST(client.stats().retries == 0u);
}

BOOST_AUTO_TEST_CASE(service_unavailable_twice_then_success_is_retried) {
  asio::io_context ioc;
  misbehaving_server server(
      ioc,
      fail_then_succeed(2, json_response(503, R"({"__type":"ServiceUnavailableException","message":"busy"})"),
                        json_response(200, batch_ok)));
  metering_client client(ioc.get_executor(), signer, options_for(server));
  batch_meter_usage_output out;
  run_test(ioc, [&]() -> asio::awaitable<void> { out = co_await client.batch_meter_usage(one_record()); });
  BOOST_TEST(out.results.size() == 1u);
  BOOST_TEST(server.requests == 3);
  BOOST_TEST(client.stats().attempts == 3u);
  BOOST_TEST(client.stats().retries == 2u);
  BOOST_TEST(server.last_request["amz-sdk-request"] == "attempt=3; max=3");
}

BOOST_AUTO_TEST_CASE(meter_usage_retries_carry_one_generated_client_token) {
  asio::io_context ioc;
  auto bodies = std::make_shared<std::vector<std::string>>();
  auto count = std::make_shared<int>(0);
  misbehaving_server server(ioc, [=](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      bodies->push_back(req.body());
      // Every other request fails: each call's first attempt is lost, its retry succeeds.
      // (The answer is named before co_await: g++ 12 double-destroys ?: temporaries there.)
      const std::string answer = (*count)++ % 2 == 0
                                     ? json_response(500, R"({"__type":"InternalServiceErrorException"})")
                                     : json_response(200, R"({"MeteringRecordId":"mr-9"})");
      if (!co_await s.write(answer)) co_return;
    }
  });
  metering_client client(ioc.get_executor(), signer, options_for(server));
  meter_usage_input in;
  in.product_code = "prod-abc123";
  in.dimension = "tokens_1m";
  in.quantity = 2;
  in.timestamp = time_point(std::chrono::seconds(1'700'000'000));
  run_test(ioc, [&]() -> asio::awaitable<void> {
    co_await client.meter_usage(in);
    co_await client.meter_usage(in);
  });
  BOOST_REQUIRE_EQUAL(bodies->size(), 4u);
  std::vector<std::string> tokens;
  for (const auto& b : *bodies) tokens.push_back(wire::decode<meter_usage_input>(b).client_token);
  BOOST_TEST(tokens[0].size() == 36u);
  BOOST_TEST(tokens[0][14] == '4');    // a version 4 UUID
  BOOST_TEST(tokens[0] == tokens[1]);  // the retry is the same call
  BOOST_TEST(tokens[2] == tokens[3]);
  BOOST_TEST(tokens[0] != tokens[2]);  // another call, another token
  in.client_token = "caller-chosen";
  ioc.restart();
  run_test(ioc, [&]() -> asio::awaitable<void> { co_await client.meter_usage(in); });
  BOOST_TEST(wire::decode<meter_usage_input>(bodies->back()).client_token == "caller-chosen");
}

BOOST_AUTO_TEST_CASE(throttling_beyond_max_attempts_surfaces_the_aws_error) {
  asio::io_context ioc;
  misbehaving_server server(
      ioc,
      fail_then_succeed(
          100,
          json_response(400, R"({"__type":"com.amazonaws#ThrottlingException","message":"Rate exceeded"})"),
          json_response(200, batch_ok)));
  auto o = options_for(server);
  o.max_attempts = 4;
  metering_client client(ioc.get_executor(), signer, o);
  std::exception_ptr e;
  run_test(ioc,
           [&]() -> asio::awaitable<void> { e = co_await capture(client.batch_meter_usage(one_record())); });
  BOOST_REQUIRE(e);
  try {
    std::rethrow_exception(e);
  } catch (const aws_error& err) {
    BOOST_TEST(err.type() == "ThrottlingException");
    BOOST_TEST(err.http_status() == 400u);
    BOOST_TEST(err.request_id() == "req-400");
    BOOST_TEST(err.retryable());
  }
  BOOST_TEST(server.requests == 4);
  BOOST_TEST(client.stats().attempts == 4u);
}

BOOST_AUTO_TEST_CASE(client_errors_are_not_retried) {
  asio::io_context ioc;
  misbehaving_server server(
      ioc,
      fail_then_succeed(
          100, json_response(400, R"({"__type":"InvalidProductCodeException","message":"no such product"})"),
          json_response(200, batch_ok)));
  metering_client client(ioc.get_executor(), signer, options_for(server));
  std::exception_ptr e;
  run_test(ioc,
           [&]() -> asio::awaitable<void> { e = co_await capture(client.batch_meter_usage(one_record())); });
  BOOST_REQUIRE(e);
  try {
    std::rethrow_exception(e);
  } catch (const aws_error& err) {
    BOOST_TEST(err.type() == "InvalidProductCodeException");
    BOOST_TEST(!err.retryable());
  }
  BOOST_TEST(server.requests == 1);
}

BOOST_AUTO_TEST_CASE(invalid_json_in_a_success_is_malformed_and_not_retried) {
  asio::io_context ioc;
  misbehaving_server server(ioc, fail_then_succeed(0, "", json_response(200, R"({"Results":[{"Status":)")));
  metering_client client(ioc.get_executor(), signer, options_for(server));
  std::exception_ptr e;
  run_test(ioc,
           [&]() -> asio::awaitable<void> { e = co_await capture(client.batch_meter_usage(one_record())); });
  rethrow_into(e, [](const auto& err) { BOOST_TEST((err.code() == errc::malformed_message), err.what()); });
  BOOST_TEST(server.requests == 1);
}

BOOST_AUTO_TEST_CASE(truncated_bodies_are_retried_then_reported) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    if (co_await s.read_request(req))
      co_await s.write("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"Results\":");
  });
  metering_client client(ioc.get_executor(), signer, options_for(server));
  std::exception_ptr e;
  run_test(ioc,
           [&]() -> asio::awaitable<void> { e = co_await capture(client.batch_meter_usage(one_record())); });
  rethrow_into(e, [](const auto& err) {
    BOOST_TEST((err.code() == boost::beast::http::error::partial_message), err.what());
  });
  BOOST_TEST(server.requests == 3);
  BOOST_TEST(client.stats().attempts == 3u);
}

BOOST_AUTO_TEST_CASE(timeouts_are_retried_and_bounded) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    if (co_await s.read_request(req)) co_await sleep_for(5s);
  });
  auto o = options_for(server);
  o.timeout = 200ms;
  o.max_attempts = 2;
  metering_client client(ioc.get_executor(), signer, o);
  std::exception_ptr e;
  const auto start = clk::now();
  run_test(ioc,
           [&]() -> asio::awaitable<void> { e = co_await capture(client.batch_meter_usage(one_record())); });
  const auto elapsed = clk::now() - start;
  rethrow_into(e, [](const auto& err) { BOOST_TEST((err.code() == errc::timeout), err.what()); });
  BOOST_TEST(server.requests == 2);
  BOOST_TEST((elapsed >= 400ms));  // the peer sleeps 5 s: errc::timeout twice is the proof
}

BOOST_AUTO_TEST_CASE(an_empty_retry_quota_stops_retries) {
  asio::io_context ioc;
  misbehaving_server server(
      ioc, fail_then_succeed(100, json_response(500, R"({"__type":"InternalServiceErrorException"})"),
                             json_response(200, batch_ok)));
  auto o = options_for(server);
  o.max_attempts = 10;
  o.retry_quota = 12;  // two retries at 5 tokens each, then nothing
  std::vector<std::string> lines;
  std::mutex m;
  set_log_sink(log_level::warning, [&](log_level, std::string_view line) {
    std::lock_guard lock(m);
    lines.emplace_back(line);
  });
  metering_client client(ioc.get_executor(), signer, o);
  std::exception_ptr e;
  run_test(ioc,
           [&]() -> asio::awaitable<void> { e = co_await capture(client.batch_meter_usage(one_record())); });
  set_log_sink(log_level::warning, {});
  rethrow_into(e, [](const auto& err) {
    BOOST_TEST((err.code() != errc::retry_quota_exhausted), "the last failure is kept");
  });
  BOOST_TEST(server.requests == 3);
  bool noted = false;
  for (const auto& l : lines) noted = noted || l.find("retry") != std::string::npos;
  BOOST_TEST(noted);
}

BOOST_AUTO_TEST_CASE(invalid_input_is_rejected_before_sending) {
  asio::io_context ioc;
  misbehaving_server server(ioc, fail_then_succeed(0, "", json_response(200, batch_ok)));
  metering_client client(ioc.get_executor(), signer, options_for(server));
  auto bad = one_record();
  bad.usage_records[0].quantity = -1;
  std::exception_ptr e;
  run_test(ioc, [&]() -> asio::awaitable<void> { e = co_await capture(client.batch_meter_usage(bad)); });
  rethrow_into(e, [](const auto& err) {
    BOOST_TEST((err.code() == errc::invalid_argument));
    BOOST_TEST(std::string(err.what()).find("Quantity") != std::string::npos, err.what());
  });
  BOOST_TEST(server.requests == 0);
  BOOST_TEST(server.connections == 0);
}

BOOST_AUTO_TEST_CASE(bad_options_are_rejected_at_construction) {
  asio::io_context ioc;
  auto expect_invalid = [&](client_options o, const char* field) {
    try {
      metering_client c(ioc.get_executor(), signer, o);
      BOOST_FAIL("accepted");
    } catch (const boost::system::system_error& e) {
      BOOST_TEST((e.code() == errc::invalid_argument));
      BOOST_TEST(std::string(e.what()).find(field) != std::string::npos, e.what());
    }
  };
  client_options o;
  o.endpoint = "http://metering.example.com";
  expect_invalid(o, "endpoint");  // clear text only on loopback
  o.endpoint = "not a url";
  expect_invalid(o, "endpoint");
  o = {};
  o.max_attempts = 0;
  expect_invalid(o, "max_attempts");
  o = {};
  o.ca_file = "/nonexistent.pem";
  expect_invalid(o, "ca_file");
  o = {};
  o.region = "us-east-1.evil.example/";
  expect_invalid(o, "region");
  o = {};
  o.max_response_bytes = 0;
  expect_invalid(o, "max_response_bytes");
}

BOOST_AUTO_TEST_CASE(resolve_customer_and_meter_usage_round_trip) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      std::string body =
          req["X-Amz-Target"] == "AWSMPMeteringService.ResolveCustomer"
              ? R"({"CustomerIdentifier":"cust-9","ProductCode":"prod-abc123","CustomerAWSAccountId":"123456789012","LicenseArn":"arn:aws:license-manager::123456789012:license:l-1"})"
              : R"({"MeteringRecordId":"mr-7"})";
      if (!co_await s.write(json_response(200, body))) co_return;
    }
  });
  metering_client client(ioc.get_executor(), signer, options_for(server));
  resolve_customer_output who;
  meter_usage_output metered;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    who = co_await client.resolve_customer("reg-token-xyz");
    meter_usage_input in;
    in.product_code = "prod-abc123";
    in.dimension = "tokens_1m";
    in.quantity = 1;
    in.timestamp = time_point(std::chrono::seconds(1'700'000'000));
    metered = co_await client.meter_usage(in);
  });
  BOOST_TEST(who.customer_identifier == "cust-9");
  BOOST_TEST(who.customer_aws_account_id == "123456789012");
  BOOST_TEST(metered.metering_record_id == "mr-7");
  BOOST_TEST(server.last_request["X-Amz-Target"] == "AWSMPMeteringService.MeterUsage");
  BOOST_TEST(server.connections == 1);
}

BOOST_AUTO_TEST_CASE(rate_limit_spaces_requests) {
  asio::io_context ioc;
  misbehaving_server server(ioc, fail_then_succeed(0, "", json_response(200, batch_ok)));
  auto o = options_for(server);
  o.max_requests_per_second = 10;  // burst of 10, then one every 100 ms
  metering_client client(ioc.get_executor(), signer, o);
  const auto start = clk::now();
  run_test(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 15; ++i) co_await client.batch_meter_usage(one_record());
  });
  const auto elapsed = clk::now() - start;
  BOOST_TEST(server.requests == 15);
  BOOST_TEST((elapsed >= 450ms));  // five beyond the burst at 100 ms each
  BOOST_TEST((elapsed < 5s));      // and not throttled harder: 10x headroom for a loaded machine
}

BOOST_AUTO_TEST_CASE(get_all_entitlements_follows_next_token) {
  asio::io_context ioc;
  std::vector<std::string> tokens_seen;
  misbehaving_server server(ioc, [&](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      const auto in = wire::decode<get_entitlements_input>(req.body());
      tokens_seen.push_back(in.next_token);
      std::string body;
      if (in.next_token.empty())
        body =
            R"({"Entitlements":[{"ProductCode":"prod-abc123","Dimension":"seats","CustomerIdentifier":"c1","Value":{"IntegerValue":5}}],"NextToken":"page-2"})";
      else if (in.next_token == "page-2")
        body =
            R"({"Entitlements":[{"ProductCode":"prod-abc123","Dimension":"tier","CustomerIdentifier":"c1","Value":{"StringValue":"gold"}}],"NextToken":"page-3"})";
      else
        body = R"({"Entitlements":[]})";
      if (!co_await s.write(json_response(200, body))) co_return;
    }
  });
  entitlement_service_client client(ioc.get_executor(), signer, options_for(server));
  std::vector<marketplace_entitlement> all;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    get_entitlements_input in;
    in.product_code = "prod-abc123";
    in.filter[entitlement_filter::customer_identifier] = {"c1"};
    all = co_await client.get_all_entitlements(in);
  });
  BOOST_TEST((tokens_seen == std::vector<std::string>{"", "page-2", "page-3"}));
  BOOST_REQUIRE(all.size() == 2u);
  BOOST_TEST(std::get<std::int64_t>(all[0].value) == 5);
  BOOST_TEST(std::get<std::string>(all[1].value) == "gold");
  BOOST_TEST(server.last_request["X-Amz-Target"] == "AWSMPEntitlementService.GetEntitlements");
  BOOST_TEST(client.stats().requests == 3u);
}

BOOST_AUTO_TEST_CASE(a_next_token_loop_is_detected) {
  asio::io_context ioc;
  misbehaving_server server(
      ioc, fail_then_succeed(0, "", json_response(200, R"({"Entitlements":[],"NextToken":"same"})")));
  entitlement_service_client client(ioc.get_executor(), signer, options_for(server));
  std::exception_ptr e;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    get_entitlements_input in;
    in.product_code = "prod-abc123";
    e = co_await capture(client.get_all_entitlements(in));
  });
  rethrow_into(e, [](const auto& err) { BOOST_TEST((err.code() == errc::malformed_message), err.what()); });
  BOOST_TEST(server.requests == 2);
}

BOOST_AUTO_TEST_SUITE_END()
