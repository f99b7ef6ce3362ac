// Tutorial 3: an inference-style API server that checks entitlements and meters tokens on
// every request.
//
// POST /v1/completions with header `x-customer-id` (in a real server: the customer your API
// key lookup found) and a JSON body {"prompt": "...", "max_tokens": N}. Each request
//   1. co_awaits entitlement_checker::is_entitled (a cache hit costs one short lock, no hop),
//   2. "generates" (input tokens = prompt bytes / 4, output tokens = max_tokens),
//   3. co_awaits token_billing_tracker::record_usage (durable before it returns when a
//      journal is configured),
// while tracker.run() flushes in the background and GET /stats shows the tracker's counters.
// GET /metrics serves the tracker's, the clients' and the checker's counters in the Prometheus
// text format (awsmp::prometheus_text; names in docs/metrics.md) for a Prometheus scrape.
// SIGINT/SIGTERM (or --max-requests) stop accepting, then tracker.stop() does the final flush.
// --no-metering skips steps 1 and 3, for measuring what metering costs (see README).
#include <atomic>
#include <awsmp/awsmp.hpp>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_sync.hpp>
#include <awsmp/prometheus.hpp>
#include <awsmp/region.hpp>
#include <awsmp/token_billing_tracker.hpp>
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
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct server_options {
  unsigned short port = 8081;
  std::string product_code = "prod-demo";
  std::string journal = "usage.journal";
  std::chrono::seconds flush_interval{3600};
  int threads = 1;
  long max_requests = 0;  // 0: until a signal
  bool metering = true;
};

struct server_state {
  awsmp::entitlement_checker& checker;
  awsmp::token_billing_tracker& tracker;
  awsmp::metering_client& metering;
  awsmp::entitlement_service_client& entitlement_service;
  const server_options& options;
  std::atomic<long> served{0};
  std::function<void()> shutdown;
};

http::response<http::string_body> json_response(http::status status, const boost::json::value& body) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

boost::json::value stats_json(const awsmp::token_billing_stats& s) {
  return {{"record_usage_calls", s.record_usage_calls},
          {"tokens_recorded", s.tokens_recorded},
          {"customers", s.customers},
          {"records_sealed", s.records_sealed},
          {"records_sent", s.records_sent},
          {"records_acknowledged", s.records_acknowledged},
          {"records_pending", s.records_pending},
          {"records_dead_lettered", s.records_dead_lettered},
          {"retries", s.retries},
          {"journal_bytes", s.journal_bytes},
          {"last_error", s.last_error}};
}

// Every counter an operator alarms on, as Prometheus scrapes it.
http::response<http::string_body> metrics_response(const server_state& state) {
  awsmp::metrics_sources sources;
  sources.tracker = state.tracker.stats();
  sources.clients = {{"metering", state.metering.stats()},
                     {"entitlement", state.entitlement_service.stats()}};
  sources.checker = state.checker.stats();
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, awsmp::prometheus_content_type);
  res.body() = awsmp::prometheus_text(sources);
  res.prepare_payload();
  return res;
}

asio::awaitable<http::response<http::string_body>> handle(const http::request<http::string_body>& req,
                                                          server_state& state) {
  if (req.method() == http::verb::get && req.target() == "/stats")
    co_return json_response(http::status::ok, stats_json(state.tracker.stats()));
  if (req.method() == http::verb::get && req.target() == "/metrics") co_return metrics_response(state);
  if (req.method() != http::verb::post || req.target() != "/v1/completions")
    co_return json_response(http::status::not_found,
                            {{"error", "POST /v1/completions, GET /stats or GET /metrics"}});

  const std::string customer(req["x-customer-id"]);
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(req.body(), ec);
  const auto* obj = ec ? nullptr : body.if_object();
  const auto* prompt = obj ? obj->if_contains("prompt") : nullptr;
  const auto* max_tokens = obj ? obj->if_contains("max_tokens") : nullptr;
  if (customer.empty() || !prompt || !prompt->is_string() || !max_tokens || !max_tokens->is_int64() ||
      max_tokens->as_int64() < 0)
    co_return json_response(
        http::status::bad_request,
        {{"error", "need header x-customer-id and body {\"prompt\": string, \"max_tokens\": int}"}});

  const std::string dimension(awsmp::dimension_tokens);
  try {
    if (state.options.metering && !co_await state.checker.is_entitled(customer, dimension))
      co_return json_response(http::status::payment_required,
                              {{"error", "no active entitlement for this customer"}});
    const std::int64_t input_tokens = static_cast<std::int64_t>(prompt->as_string().size()) / 4 + 1;
    const std::int64_t output_tokens = max_tokens->as_int64();
    if (state.options.metering) co_await state.tracker.record_usage(customer, input_tokens, output_tokens);
    co_return json_response(http::status::ok,
                            {{"completion", "..."},
                             {"usage", {{"input_tokens", input_tokens}, {"output_tokens", output_tokens}}}});
  } catch (const boost::system::system_error& e) {
    // invalid_argument: a malformed customer id; anything else: we could not record usage, so
    // we must not serve the request for free.
    const bool client = e.code() == awsmp::errc::invalid_argument;
    co_return json_response(client ? http::status::bad_request : http::status::service_unavailable,
                            {{"error", e.what()}});
  }
}

asio::awaitable<void> session(tcp::socket socket, server_state& state) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    stream.expires_after(60s);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    auto res = co_await handle(parser.get(), state);
    res.keep_alive(parser.get().keep_alive());
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !res.keep_alive()) break;
    if (state.options.max_requests > 0 && ++state.served == state.options.max_requests) {
      state.shutdown();
      break;
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

server_options parse(int argc, char** argv) {
  server_options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "missing value after " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--port")
      o.port = static_cast<unsigned short>(std::atoi(next()));
    else if (a == "--product-code")
      o.product_code = next();
    else if (a == "--journal")
      o.journal = next();
    else if (a == "--flush-seconds")
      o.flush_interval = std::chrono::seconds(std::atoi(next()));
    else if (a == "--threads")
      o.threads = std::max(1, std::atoi(next()));
    else if (a == "--max-requests")
      o.max_requests = std::atol(next());
    else if (a == "--no-metering")
      o.metering = false;
    else {
      std::cerr
          << "usage: 03_inference_server [--port P] [--product-code C] [--journal PATH] [--flush-seconds S]\n"
             "                           [--threads N] [--max-requests N] [--no-metering]\n";
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const server_options opt = parse(argc, argv);
  try {
    asio::io_context ioc(opt.threads);
    auto ex = ioc.get_executor();
    auto credentials = awsmp::default_credentials_provider(ex);
    awsmp::client_options co;
    co.region = awsmp::resolve_region();
    if (const char* endpoint = std::getenv("AWSMP_ENDPOINT")) co.endpoint = endpoint;
    if (const char* ca = std::getenv("AWSMP_CA_FILE")) co.ca_file = ca;
    awsmp::sigv4_signer signer(*credentials, co.region);
    awsmp::metering_client metering(ex, signer, co);
    awsmp::entitlement_service_client entitlement_service(ex, signer, co);

    awsmp::memory_entitlement_store entitlements(ex);
    awsmp::memory_subscription_store subscriptions(ex);  // empty: sync examines the customers AWS lists
    awsmp::entitlement_checker checker(ex, entitlements, std::chrono::seconds(60));
    awsmp::token_billing_options to;
    to.journal = opt.journal;
    awsmp::token_billing_tracker tracker(ex, opt.product_code, metering, to);

    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), opt.port});
    server_state state{checker, tracker, metering, entitlement_service, opt, {}, {}};
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    state.shutdown = [&] {
      asio::post(acceptor.get_executor(), [&] {
        acceptor.close();
        signals.cancel();
      });
    };
    signals.async_wait([&](auto ec, int) {
      if (!ec) state.shutdown();
    });

    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          // Mirror what AWS says the customers bought before taking traffic.
          auto sync = co_await awsmp::sync_entitlements(entitlement_service, checker, subscriptions,
                                                        opt.product_code);
          std::cout << "entitlements: " << sync.received << " from AWS, " << sync.written << " stored"
                    << std::endl;
          asio::co_spawn(ex, tracker.run(opt.flush_interval), asio::detached);
          std::cout << "listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
          for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            asio::co_spawn(ex, session(std::move(socket), state), asio::detached);
          }
          co_await tracker.stop();  // final flush: nothing recorded is left unbilled in memory
          const auto s = tracker.stats();
          std::cout << "stopped: " << s.record_usage_calls << " requests metered, " << s.records_acknowledged
                    << " records acknowledged, " << s.records_pending << " pending" << std::endl;
        },
        [](std::exception_ptr e) {
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& err) {
            std::cerr << "03_inference_server: " << err.what() << "\n";
            std::exit(1);
          }
        });
    std::vector<std::thread> pool;
    for (int i = 1; i < opt.threads; ++i) pool.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
  } catch (const std::exception& e) {
    std::cerr << "03_inference_server: " << e.what() << "\n";
    return 1;
  }
}
