// Tutorial 2: the registration landing endpoint.
//
// When a buyer subscribes on AWS Marketplace, AWS POSTs their browser to the product's
// registration URL with a form field `x-amzn-marketplace-token`. This server receives that
// POST, resolves and stores the subscription with subscription_manager::subscribe, and answers
// with a page. It is plain HTTP on 127.0.0.1: in production put it behind your TLS terminator.
//
// With --sns-topic (the ARNs of aws-mp-subscription-notification-<code> and
// aws-mp-entitlement-notification-<code>), it also serves POST /sns for an SNS HTTPS
// subscription: sns_https_endpoint verifies each message's signature, confirms the
// subscription of an allowed topic, and applies subscribe / unsubscribe / entitlement events
// to the same store through marketplace_components_sink.
//
//   02_registration_endpoint --port 8080 --db subscriptions.db --product-code prod-demo
//   curl -d 'x-amzn-marketplace-token=token-0001' http://127.0.0.1:8080/register
#include <awsmp/awsmp.hpp>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/marketplace_components_sink.hpp>
#include <awsmp/region.hpp>
#include <awsmp/sns_https_endpoint.hpp>
#include <awsmp/sqlite_store.hpp>
#include <awsmp/subscription_manager.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse_query.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

http::response<http::string_body> page(http::status status, std::string_view title, std::string_view text) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.body() = "<!doctype html><html><head><title>" + html_escape(title) + "</title></head><body><h1>" +
               html_escape(title) + "</h1><p>" + html_escape(text) + "</p></body></html>\n";
  res.prepare_payload();
  return res;
}

// The form field AWS Marketplace posts; empty when absent.
std::string marketplace_token(std::string_view form_body) {
  auto params = boost::urls::parse_query(form_body);
  if (!params) return {};
  for (auto param : *params)
    if (param.key == "x-amzn-marketplace-token") return std::string(param.value);
  return {};
}

asio::awaitable<http::response<http::string_body>> handle(const http::request<http::string_body>& req,
                                                          awsmp::subscription_manager& manager) {
  if (req.method() != http::verb::post || req.target() != "/register")
    co_return page(http::status::not_found, "Not found", "POST the marketplace form to /register.");
  const std::string token = marketplace_token(req.body());
  if (token.empty())
    co_return page(http::status::bad_request, "Missing token",
                   "The form has no x-amzn-marketplace-token field.");
  try {
    const awsmp::subscription sub = co_await manager.subscribe(token);
    co_return page(http::status::ok, "Welcome!",
                   "Your subscription is active. Customer " + sub.customer_identifier + ", AWS account " +
                       sub.customer_aws_account_id + ".");
  } catch (const awsmp::aws_error& e) {
    // InvalidTokenException / ExpiredTokenException are the buyer's problem; the rest is ours.
    const bool buyer = e.type() == "InvalidTokenException" || e.type() == "ExpiredTokenException";
    std::cerr << "subscribe failed: " << e.what() << "\n";
    co_return page(
        buyer ? http::status::bad_request : http::status::bad_gateway, "Registration failed",
        buyer ? "This registration link is invalid or has expired: subscribe again from AWS Marketplace."
              : "AWS Marketplace could not be reached; please retry in a minute.");
  } catch (const boost::system::system_error& e) {
    std::cerr << "subscribe failed: " << e.what() << "\n";
    if (e.code() == awsmp::errc::product_mismatch)
      co_return page(http::status::forbidden, "Wrong product", "This registration is for another product.");
    if (e.code() == awsmp::errc::invalid_argument)
      co_return page(http::status::bad_request, "Invalid token", "The registration token is malformed.");
    co_return page(http::status::service_unavailable, "Registration failed", "Please retry in a minute.");
  }
}

asio::awaitable<void> session(tcp::socket socket, awsmp::subscription_manager& manager,
                              awsmp::sns_https_endpoint* sns, int& budget, tcp::acceptor& acceptor) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    stream.expires_after(30s);
    // The header first: SNS posts are judged (method, size) before their body is read.
    auto [ec, n] =
        co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    const bool to_sns = sns && parser.get().target() == "/sns";
    http::response<http::string_body> res;
    bool refused = false;
    if (to_sns) {
      parser.body_limit(sns->max_body_bytes());
      if (auto refusal = sns->check_header(parser.get())) {
        res = std::move(*refusal);
        refused = true;
      }
    } else {
      parser.body_limit(16 * 1024);  // a registration form is tiny
    }
    if (!refused) {
      std::tie(ec, n) =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      if (to_sns)
        res = co_await sns->handle(parser.release());  // 2xx applied, 4xx refused, 5xx: SNS retries
      else
        res = co_await handle(parser.get(), manager);
    }
    res.keep_alive(!refused && parser.get().keep_alive());
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (budget > 0 && --budget == 0) {  // --max-requests reached: stop serving
      acceptor.close();
      break;
    }
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 8080;
  std::string db = "subscriptions.db", product_code;
  std::vector<std::string> sns_topics;  // SNS HTTPS delivery on /sns when given
  int max_requests = 0;                 // 0: serve until SIGINT/SIGTERM
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--port")
      port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
    else if (a == "--db")
      db = argv[i + 1];
    else if (a == "--product-code")
      product_code = argv[i + 1];
    else if (a == "--max-requests")
      max_requests = std::atoi(argv[i + 1]);
    else if (a == "--sns-topic")
      sns_topics.push_back(argv[i + 1]);
    else {
      std::cerr << "usage: 02_registration_endpoint [--port P] [--db PATH] [--product-code CODE] "
                   "[--max-requests N]\n"
                   "                                [--sns-topic ARN]...\n";
      return 2;
    }
  }
  try {
    asio::io_context ioc;
    auto ex = ioc.get_executor();
    auto credentials = awsmp::default_credentials_provider(ex);
    awsmp::client_options options;
    options.region = awsmp::resolve_region();
    if (const char* endpoint = std::getenv("AWSMP_ENDPOINT")) options.endpoint = endpoint;
    if (const char* ca = std::getenv("AWSMP_CA_FILE")) options.ca_file = ca;
    awsmp::sigv4_signer signer(*credentials, options.region);
    awsmp::metering_client metering(ex, signer, options);
    awsmp::sqlite_store_options store_options;
    store_options.path = db;
    awsmp::sqlite_store store(ex, store_options);
    awsmp::subscription_manager manager(ex, store.subscriptions(), metering, product_code);

    // The event path, when SNS topics are given: what the events change lives in the same
    // store. (A server that also meters would pass its own tracker; this one bills nothing.)
    awsmp::entitlement_service_client entitlements(ex, signer, options);
    awsmp::entitlement_checker checker(ex, store.entitlements(), std::chrono::minutes(1));
    awsmp::token_billing_tracker tracker(ex, product_code.empty() ? "unused" : product_code, metering);
    std::unique_ptr<awsmp::sns_verifier> verifier;
    std::unique_ptr<awsmp::marketplace_components_sink> sink;
    std::unique_ptr<awsmp::marketplace_event_consumer> consumer;
    std::unique_ptr<awsmp::sns_https_endpoint> sns;
    if (!sns_topics.empty()) {
      awsmp::sns_verifier_options vo;
      vo.allowed_topic_arns = sns_topics;
      // Certificates and SubscribeURLs are fetched from AWS's SNS host with peer verification.
      verifier = std::make_unique<awsmp::sns_verifier>(vo, awsmp::https_certificate_fetcher(ex));
      sink = std::make_unique<awsmp::marketplace_components_sink>(manager, store.subscriptions(), tracker,
                                                                  entitlements, checker, product_code);
      awsmp::marketplace_event_consumer_options co;
      co.expected_product_code = product_code;
      consumer = std::make_unique<awsmp::marketplace_event_consumer>(ex, verifier.get(), *sink, co);
      sns = std::make_unique<awsmp::sns_https_endpoint>(*consumer, awsmp::https_subscription_confirmer(ex));
    }

    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
    std::cout << "listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << "/register"
              << std::endl;
    if (sns)
      std::cout << "SNS HTTPS delivery on POST /sns for " << sns_topics.size() << " topic(s)" << std::endl;
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { acceptor.close(); });
    int budget = max_requests;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            asio::co_spawn(ex, session(std::move(socket), manager, sns.get(), budget, acceptor),
                           asio::detached);
          }
          signals.cancel();
        },
        asio::detached);
    ioc.run();
    // The tracker completes its final flush before it is destroyed.
    asio::co_spawn(ex, tracker.stop(), asio::detached);
    ioc.restart();
    ioc.run();
  } catch (const std::exception& e) {
    std::cerr << "02_registration_endpoint: " << e.what() << "\n";
    return 1;
  }
}
