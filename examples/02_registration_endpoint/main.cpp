// Tutorial 2: the registration landing endpoint.
//
// When a buyer subscribes on AWS Marketplace, AWS POSTs their browser to the product's
// registration URL with a form field `x-amzn-marketplace-token`. This server receives that
// POST, resolves and stores the subscription with subscription_manager::subscribe, and answers
// with a page. It is plain HTTP on 127.0.0.1: in production put it behind your TLS terminator.
//
//   02_registration_endpoint --port 8080 --db subscriptions.db --product-code prod-demo
//   curl -d 'x-amzn-marketplace-token=token-0001' http://127.0.0.1:8080/register
#include <awsmp/awsmp.hpp>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/region.hpp>
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
#include <string>

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
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
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
    co_return page(http::status::bad_request, "Missing token", "The form has no x-amzn-marketplace-token field.");
  try {
    const awsmp::subscription sub = co_await manager.subscribe(token);
    co_return page(http::status::ok, "Welcome!",
                   "Your subscription is active. Customer " + sub.customer_identifier + ", AWS account " +
                       sub.customer_aws_account_id + ".");
  } catch (const awsmp::aws_error& e) {
    // InvalidTokenException / ExpiredTokenException are the buyer's problem; the rest is ours.
    const bool buyer = e.type() == "InvalidTokenException" || e.type() == "ExpiredTokenException";
    std::cerr << "subscribe failed: " << e.what() << "\n";
    co_return page(buyer ? http::status::bad_request : http::status::bad_gateway, "Registration failed",
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

asio::awaitable<void> session(tcp::socket socket, awsmp::subscription_manager& manager, int& budget,
                              tcp::acceptor& acceptor) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024);  // a registration form is tiny
    stream.expires_after(30s);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    auto res = co_await handle(parser.get(), manager);
    res.keep_alive(parser.get().keep_alive());
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
  int max_requests = 0;  // 0: serve until SIGINT/SIGTERM
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--port") port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
    else if (a == "--db") db = argv[i + 1];
    else if (a == "--product-code") product_code = argv[i + 1];
    else if (a == "--max-requests") max_requests = std::atoi(argv[i + 1]);
    else {
      std::cerr << "usage: 02_registration_endpoint [--port P] [--db PATH] [--product-code CODE] [--max-requests N]\n";
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

    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
    std::cout << "listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << "/register" << std::endl;
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { acceptor.close(); });
    int budget = max_requests;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            asio::co_spawn(ex, session(std::move(socket), manager, budget, acceptor), asio::detached);
          }
          signals.cancel();
        },
        asio::detached);
    ioc.run();
  } catch (const std::exception& e) {
    std::cerr << "02_registration_endpoint: " << e.what() << "\n";
    return 1;
  }
}
