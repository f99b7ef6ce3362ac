// dynamodb_client over a scripted loopback peer: the request on the wire, throttling retried
// with the standard retry mode, conditional failures returned as results (never retried),
// transactions resent with the same ClientRequestToken, UnprocessedItems resent.
#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/error.hpp>
#include <awsmp/sigv4.hpp>
#include <vector>

#include "integration/transport/misbehaving_server.hpp"

using namespace awsmp;
using namespace awsmp::dynamodb;
using namespace awsmp::test;
using namespace std::chrono_literals;

namespace {

struct fixture {
  static_credentials_provider provider{
      credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", std::nullopt}};
  sigv4_signer signer{provider, "us-east-1", "dynamodb"};

  client_options options_for(const misbehaving_server& server, int attempts = 3) const {
    client_options o;
    o.endpoint = server.url();
    o.base_backoff = 1ms;
    o.max_backoff = 5ms;
    o.timeout = 2s;
    o.max_attempts = attempts;
    return o;
  }
};

std::string error_body(std::string_view type, std::string_view extra = "") {
  return std::string(R"({"__type":"com.amazonaws.dynamodb.v20120810#)") + std::string(type) +
         R"(","message":"scripted")" + std::string(extra) + "}";
}

// Answers requests in turn from `script` (the last answer repeats), recording every request.
struct scripted {
  explicit scripted(std::vector<std::string> answers) : script(std::move(answers)) {}
  std::vector<std::string> script;
  std::vector<http::request<http::string_body>> seen;
  misbehaving_server::behaviour behaviour() {
    return [this](server_session& s) -> asio::awaitable<void> {
      http::request<http::string_body> req;
      while (co_await s.read_request(req)) {
        const std::size_t i = std::min(seen.size(), script.size() - 1);
        seen.push_back(req);
        if (!co_await s.write(script[i])) co_return;
      }
    };
  }
};

item key(std::string pk) {
  return item{{"pk", attribute_value::string(std::move(pk))}};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dynamodb_client_retries, fixture)

BOOST_AUTO_TEST_CASE(the_request_is_a_signed_aws_json_1_0_post_to_dynamodb) {
  asio::io_context ioc;
  scripted peer{{json_response(200, R"({"Item":{"pk":{"S":"a"},"n":{"N":"5"}}})")}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server));
  std::optional<item> got;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    get_item_request r;
    r.table = "tbl";
    r.key = key("a");
    got = co_await client.get_item(std::move(r));
  });
  BOOST_REQUIRE(peer.seen.size() == 1u);
  const auto& req = peer.seen[0];
  BOOST_TEST(req.method_string() == "POST");
  BOOST_TEST(req[http::field::content_type] == "application/x-amz-json-1.0");
  BOOST_TEST(req["X-Amz-Target"] == "DynamoDB_20120810.GetItem");
  const std::string auth(req[http::field::authorization]);
  BOOST_TEST(auth.find("/us-east-1/dynamodb/aws4_request") != std::string::npos, auth);
  BOOST_TEST(req.body() == R"({"TableName":"tbl","Key":{"pk":{"S":"a"}}})");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->at("n").as_int64() == 5);
}

BOOST_AUTO_TEST_CASE(every_throttling_error_is_retried) {
  for (const char* type :
       {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}) {
    BOOST_TEST_CONTEXT(type) {
      asio::io_context ioc;
      scripted peer{{json_response(400, error_body(type)), json_response(400, error_body(type)),
                     json_response(200, "{}")}};
      misbehaving_server server(ioc, peer.behaviour());
      dynamodb_client client(ioc.get_executor(), signer, options_for(server));
      write_result r;
      run_test(ioc, [&]() -> asio::awaitable<void> {
        put_item_request p;
        p.table = "tbl";
        p.attributes = key("a");
        r = co_await client.put_item(std::move(p));
      });
      BOOST_TEST(peer.seen.size() == 3u);
      BOOST_TEST(!r.condition_failed);
      BOOST_TEST(client.stats().retries == 2u);
    }
  }
}

BOOST_AUTO_TEST_CASE(throttling_beyond_max_attempts_is_an_aws_error) {
  asio::io_context ioc;
  scripted peer{{json_response(400, error_body("ProvisionedThroughputExceededException"))}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server, 2));
  bool threw = false;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    try {
      put_item_request p;
      p.table = "tbl";
      p.attributes = key("a");
      co_await client.put_item(std::move(p));
    } catch (const aws_error& e) {
      threw = true;
      BOOST_TEST(e.type() == "ProvisionedThroughputExceededException");
      BOOST_TEST(e.http_status() == 400u);
    }
  });
  BOOST_TEST(threw);
  BOOST_TEST(peer.seen.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_failed_condition_is_a_result_and_never_retried) {
  asio::io_context ioc;
  scripted peer{{json_response(
      400, error_body("ConditionalCheckFailedException", R"(,"Item":{"pk":{"S":"a"},"v":{"N":"9"}})"))}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server));
  write_result r;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    update_item_request u;
    u.table = "tbl";
    u.key = key("a");
    u.update_expression = "SET v = :v";
    u.condition_expression = "v < :v";
    u.expression.values = {{":v", attribute_value::number(3)}};
    u.return_item_on_condition_failure = true;
    r = co_await client.update_item(std::move(u));
  });
  BOOST_TEST(peer.seen.size() == 1u);
  BOOST_TEST(r.condition_failed);
  BOOST_REQUIRE(r.attributes.has_value());
  BOOST_TEST(r.attributes->at("v").as_int64() == 9);
}

BOOST_AUTO_TEST_CASE(a_validation_error_is_thrown_not_retried) {
  asio::io_context ioc;
  scripted peer{{json_response(400, error_body("ValidationException"))}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server));
  std::string type;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    try {
      delete_item_request d;
      d.table = "tbl";
      d.key = key("a");
      co_await client.delete_item(std::move(d));
    } catch (const aws_error& e) {
      type = e.type();
    }
  });
  BOOST_TEST(type == "ValidationException");
  BOOST_TEST(peer.seen.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_transaction_reports_its_reasons) {
  asio::io_context ioc;
  scripted peer{{json_response(
      400,
      error_body(
          "TransactionCanceledException",
          R"(,"CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}])"))}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server));
  transact_write_result r;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    transact_write_request t;
    t.items.push_back(transact_write_item::put("tbl", key("a")));
    t.items.push_back(transact_write_item::condition_check("tbl", key("b"), "attribute_exists(pk)"));
    r = co_await client.transact_write_items(std::move(t));
  });
  BOOST_TEST(peer.seen.size() == 1u, "a failed condition is final");
  BOOST_TEST(r.cancelled);
  BOOST_TEST(r.condition_failed());
  BOOST_REQUIRE(r.reasons.size() == 2u);
  BOOST_TEST(r.reasons[1].code == "ConditionalCheckFailed");
  BOOST_TEST(r.client_request_token.size() == 36u, "a generated token (UUID)");
}

BOOST_AUTO_TEST_CASE(a_transaction_cancelled_by_a_conflict_is_resent_with_the_same_token) {
  asio::io_context ioc;
  scripted peer{{json_response(400, error_body("TransactionCanceledException",
                                               R"(,"CancellationReasons":[{"Code":"TransactionConflict"}])")),
                 json_response(400, error_body("TransactionInProgressException")), json_response(200, "{}")}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server));
  transact_write_result r;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    transact_write_request t;
    t.client_request_token = "token-1";
    t.items.push_back(transact_write_item::put("tbl", key("a")));
    r = co_await client.transact_write_items(std::move(t));
  });
  BOOST_TEST(!r.cancelled);
  BOOST_REQUIRE(peer.seen.size() == 3u);
  for (const auto& req : peer.seen)
    BOOST_TEST(req.body().find(R"("ClientRequestToken":"token-1")") != std::string::npos,
               "every attempt carries the token");
}

BOOST_AUTO_TEST_CASE(unprocessed_items_are_resent_until_written) {
  asio::io_context ioc;
  scripted peer{
      {json_response(200, R"({"UnprocessedItems":{"tbl":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}}]}})"),
       json_response(200, R"({"UnprocessedItems":{}})")}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server));
  batch_write_result r;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    std::vector<write_request> w{write_request::put("tbl", key("a")), write_request::put("tbl", key("b"))};
    r = co_await client.batch_write_item(std::move(w));
  });
  BOOST_TEST(r.unprocessed.empty());
  BOOST_TEST(r.calls == 2);
  BOOST_REQUIRE(peer.seen.size() == 2u);
  BOOST_TEST(peer.seen[1].body() == R"({"RequestItems":{"tbl":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}}]}})");
}

BOOST_AUTO_TEST_CASE(unprocessed_items_left_after_the_last_round_are_returned) {
  asio::io_context ioc;
  scripted peer{
      {json_response(200, R"({"UnprocessedItems":{"tbl":[{"DeleteRequest":{"Key":{"pk":{"S":"a"}}}}]}})")}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_options dynamo;
  dynamo.batch_write_rounds = 3;
  dynamodb_client client(ioc.get_executor(), signer, options_for(server), dynamo);
  batch_write_result r;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    std::vector<write_request> w{write_request::remove("tbl", key("a"))};
    r = co_await client.batch_write_item(std::move(w));
  });
  BOOST_TEST(r.calls == 3);
  BOOST_REQUIRE(r.unprocessed.size() == 1u);
  BOOST_TEST((r.unprocessed[0] == write_request::remove("tbl", key("a"))));
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_before_anything_is_sent) {
  asio::io_context ioc;
  scripted peer{{json_response(200, "{}")}};
  misbehaving_server server(ioc, peer.behaviour());
  dynamodb_client client(ioc.get_executor(), signer, options_for(server));
  std::vector<std::string> messages;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    std::vector<write_request> w;
    for (int i = 0; i < 26; ++i) w.push_back(write_request::put("tbl", key("k" + std::to_string(i))));
    try {
      co_await client.batch_write_item(std::move(w));
    } catch (const boost::system::system_error& e) {
      messages.push_back(e.what());
    }
    try {
      get_item_request g;
      g.table = "x";
      g.key = key("a");
      co_await client.get_item(std::move(g));
    } catch (const boost::system::system_error& e) {
      messages.push_back(e.what());
    }
  });
  BOOST_TEST(peer.seen.empty());
  BOOST_REQUIRE(messages.size() == 2u);
  BOOST_TEST(messages[0].find("at most 25") != std::string::npos, messages[0]);
  BOOST_TEST(messages[1].find("table") != std::string::npos, messages[1]);
}

BOOST_AUTO_TEST_SUITE_END()
