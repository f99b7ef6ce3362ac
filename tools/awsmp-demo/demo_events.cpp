#include "demo_events.hpp"

#include <awsmp/marketplace_components_sink.hpp>
#include <awsmp/marketplace_event_consumer.hpp>
#include <awsmp/sns_https_endpoint.hpp>
#include <awsmp/sns_verifier.hpp>
#include <awsmp/testing/test_certificates.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace demo {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct event_path::impl {
  asio::any_io_executor ex;
  tcp::acceptor acceptor;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::string ca_file;
  awsmp::testing::marketplace_emulator* emulator = nullptr;
  std::unique_ptr<awsmp::sns_verifier> verifier;
  std::unique_ptr<awsmp::marketplace_components_sink> sink;
  std::unique_ptr<awsmp::marketplace_event_consumer> consumer;
  std::unique_ptr<awsmp::sns_https_endpoint> endpoint;
  std::string victim;
  int forged = 0, forged_refused = 0, genuine_sent = 0, genuine_failed = 0;

  explicit impl(asio::any_io_executor e) : ex(e), acceptor(e) {}

  // A seller's HTTPS server: the header is judged before the body is read, as SNS's messages are
  // small and anything else is refused without parsing.
  asio::awaitable<void> serve(tcp::socket socket) {
    using asio::as_tuple;
    using asio::use_awaitable;
    boost::beast::tcp_stream net(std::move(socket));
    asio::ssl::stream<boost::beast::tcp_stream&> stream(net, tls);
    net.expires_after(std::chrono::seconds{10});
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
    if (hec) co_return;
    boost::beast::flat_buffer buffer;
    for (;;) {
      net.expires_after(std::chrono::seconds{30});
      http::request_parser<http::string_body> parser;
      parser.body_limit(endpoint->max_body_bytes());
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable));
      if (ec) co_return;
      if (auto refusal = endpoint->check_header(parser.get())) {
        refusal->keep_alive(false);
        co_await http::async_write(stream, *refusal, as_tuple(use_awaitable));
        co_return;
      }
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
      if (ec) co_return;
      const bool keep_alive = parser.get().keep_alive();
      auto res = co_await endpoint->handle(parser.release());
      res.keep_alive(keep_alive);
      auto [wec, wn] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
      if (wec || !keep_alive) co_return;
    }
  }

  asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] =
          co_await acceptor.async_accept(asio::make_strand(ex), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      const auto strand = socket.get_executor();
      asio::co_spawn(strand, serve(std::move(socket)), asio::detached);
    }
  }

  std::string product_code;
  std::atomic<bool> leaving_done{true};

  asio::awaitable<void> leave(std::vector<std::string> leavers, std::string victim);

  // A genuine event must be applied; a failure is reported, not fatal: the reconciliation shows
  // what it cost.
  void failed(const std::string& what, const std::exception& e) {
    ++genuine_failed;
    std::cout << "event " << what << " was not applied: " << e.what() << "\n";
  }

  // Posts one forged body; the endpoint must refuse it (4xx).
  asio::awaitable<void> forge(std::string body, std::string what) {
    ++forged;
    unsigned status = 0;
    try {
      status = co_await emulator->publish_raw(std::move(body));
    } catch (const std::exception& e) {
      std::cout << "forged message (" << what << ") could not be posted: " << e.what() << "\n";
    }
    if (status >= 400 && status < 500) {
      ++forged_refused;
    } else {
      std::cout << "forged message (" << what << ") was answered " << status << "\n";
    }
  }
};

event_path::event_path(asio::any_io_executor ex, const std::filesystem::path& dir)
    : impl_(std::make_unique<impl>(ex)) {
  const auto certs = awsmp::testing::make_test_certificates();
  impl_->tls.use_certificate_chain(asio::buffer(certs.server_cert_pem));
  impl_->tls.use_private_key(asio::buffer(certs.server_key_pem), asio::ssl::context::pem);
  impl_->ca_file = (dir / "events-endpoint-ca.pem").string();
  std::ofstream(impl_->ca_file) << certs.ca_cert_pem;
  const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(at.protocol());
  impl_->acceptor.bind(at);
  impl_->acceptor.listen();
}

event_path::~event_path() = default;

void event_path::configure(awsmp::testing::emulator_options& options) const {
  options.events.target = awsmp::testing::event_target::https;
  options.events.format = awsmp::testing::event_format::sns;
  options.events.https_url =
      "https://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port()) + "/sns";
  options.events.https_ca_file = impl_->ca_file;
}

void event_path::attach(awsmp::testing::marketplace_emulator& emulator, awsmp::subscription_manager& manager,
                        awsmp::subscription_store& store, awsmp::token_billing_tracker& tracker,
                        awsmp::entitlement_service_api& entitlements, awsmp::entitlement_checker& checker,
                        const std::string& product_code, awsmp::clock_function now) {
  impl& d = *impl_;
  d.emulator = &emulator;
  awsmp::sns_verifier_options vo;
  vo.allowed_topic_arns = {emulator.subscription_topic_arn(), emulator.entitlement_topic_arn()};
  vo.trust_anchor_pem = emulator.sns_ca_certificate_pem();
  // The SigningCertURL names AWS's host; the emulator's fetcher answers it without the network.
  d.verifier = std::make_unique<awsmp::sns_verifier>(vo, emulator.sns_certificate_fetcher(), now);
  d.product_code = product_code;
  d.sink = std::make_unique<awsmp::marketplace_components_sink>(manager, store, tracker, entitlements,
                                                                checker, product_code);
  awsmp::marketplace_event_consumer_options co;
  co.expected_product_code = product_code;
  d.consumer = std::make_unique<awsmp::marketplace_event_consumer>(d.ex, d.verifier.get(), *d.sink, co);
  // The demo's topics are already subscribed: no SubscriptionConfirmation is expected, so the
  // confirmer refuses to call anything.
  d.endpoint =
      std::make_unique<awsmp::sns_https_endpoint>(*d.consumer, [](std::string) -> awsmp::awaitable<void> {
        throw std::runtime_error("the demo confirms no subscriptions");
        co_return;
      });
  asio::co_spawn(d.acceptor.get_executor(), d.accept(), asio::detached);
}

void event_path::customers_leaving(std::vector<std::string> leavers, std::string victim) {
  impl& d = *impl_;
  d.leaving_done = false;
  asio::co_spawn(d.ex, d.leave(std::move(leavers), std::move(victim)), [&d](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::cout << "events: the leaving customers' events failed: " << x.what() << "\n";
        ++d.genuine_failed;
      }
    }
    d.leaving_done = true;
  });
}

asio::awaitable<void> event_path::impl::leave(std::vector<std::string> leavers, std::string victim) {
  impl& d = *this;
  const auto started = std::chrono::steady_clock::now();
  for (const auto& c : leavers) {
    // Named before each co_await (g++ 12 destroys temporaries of a co_await expression twice).
    auto who = awsmp::billed_customer::legacy(c);
    ++d.genuine_sent;
    try {
      co_await d.emulator->unsubscribe(who, awsmp::testing::unsubscribe_stage::pending);
    } catch (const std::exception& e) {
      d.failed("unsubscribe-pending " + c, e);
    }
    // AWS takes the leaver's entitlements away; entitlement-updated makes the seller re-sync,
    // which stops its requests (is_entitled turns false).
    ++d.genuine_sent;
    std::vector<awsmp::marketplace_entitlement> none;
    try {
      co_await d.emulator->set_entitlements(who, std::move(none));
    } catch (const std::exception& e) {
      d.failed("entitlement-updated " + c, e);
    }
  }
  // Forgeries naming a customer who stays: any of them applied would settle and deactivate it.
  d.victim = victim;
  const std::string message = R"({"action":"unsubscribe-success","customer-identifier":")" + victim +
                              R"(","product-code":")" + d.product_code + R"("})";
  std::string genuine = d.emulator->signed_sns_notification(message);
  std::string tampered = genuine;
  tampered.replace(tampered.find(victim), victim.size(), victim.substr(0, victim.size() - 1) + "X");
  co_await d.forge(std::move(tampered), "tampered signature");
  std::string wrong_topic = d.emulator->signed_sns_notification(
      message, "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-someoneelse");
  co_await d.forge(std::move(wrong_topic), "wrong topic");
  std::string http_cert = d.emulator->signed_sns_notification(
      message, {}, "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-awsmp-emulator.pem");
  co_await d.forge(std::move(http_cert), "http certificate URL");
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::printf(
      "leaving: %zu customers (unsubscribe-pending, entitlement-updated) and %d forged messages, "
      "delivered over HTTPS in %lld ms\n",
      leavers.size(), d.forged, static_cast<long long>(took.count()));
}

asio::awaitable<void> event_path::customers_left(std::vector<std::string> leavers) {
  impl& d = *impl_;
  asio::steady_timer wait(d.ex);
  while (!d.leaving_done.load()) {
    wait.expires_after(std::chrono::milliseconds{10});
    co_await wait.async_wait(asio::use_awaitable);
  }
  for (const auto& c : leavers) {
    auto who = awsmp::billed_customer::legacy(c);
    ++d.genuine_sent;
    try {
      co_await d.emulator->unsubscribe(who, awsmp::testing::unsubscribe_stage::success);
    } catch (const std::exception& e) {
      d.failed("unsubscribe-success " + c, e);
    }
  }
}

asio::awaitable<bool> event_path::report(awsmp::subscription_manager& manager) {
  impl& d = *impl_;
  const auto s = d.consumer->stats();
  std::printf("events: %llu applied, %llu refused, %llu retried\n",
              static_cast<unsigned long long>(s.applied), static_cast<unsigned long long>(s.refused),
              static_cast<unsigned long long>(s.retried));
  const auto victim = co_await manager.find(d.victim);
  const bool victim_ok = victim && victim->status == awsmp::subscription_status::active;
  const bool forged_ok = d.forged_refused == d.forged && s.refused == static_cast<std::uint64_t>(d.forged);
  const bool genuine_ok = d.genuine_failed == 0 && s.applied == static_cast<std::uint64_t>(d.genuine_sent);
  std::printf("  [%s] forged messages refused, none applied (%d of %d refused, %s still active)\n",
              forged_ok && victim_ok ? " ok " : "FAIL", d.forged_refused, d.forged, d.victim.c_str());
  std::printf("  [%s] genuine events applied (%llu of %d)\n", genuine_ok ? " ok " : "FAIL",
              static_cast<unsigned long long>(s.applied), d.genuine_sent);
  co_return forged_ok&& victim_ok&& genuine_ok;
}

void event_path::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace demo
