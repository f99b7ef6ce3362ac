#include <awsmp/error.hpp>
#include <awsmp/marketplace_event_consumer.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "core/log_line.hpp"
#include "core/throw.hpp"

namespace awsmp {

namespace {

enum class body_kind { sns, eventbridge, unknown, malformed };

// Which parser a queue message needs: SNS envelopes carry "Type", EventBridge events
// "detail-type" and "source".
body_kind classify(std::string_view body) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return body_kind::malformed;
  const auto& o = doc.as_object();
  if (o.contains("Type")) return body_kind::sns;
  if (o.contains("detail-type") && o.contains("source")) return body_kind::eventbridge;
  return body_kind::unknown;
}

// One poll whose failure is a value (see run()).
awaitable<std::exception_ptr> guarded_poll(marketplace_event_consumer& consumer) {
  std::exception_ptr failure;
  try {
    co_await consumer.poll_once();
  } catch (...) {
    failure = std::current_exception();
  }
  co_return failure;
}

}  // namespace

struct marketplace_event_consumer::impl {
  asio::any_io_executor ex;
  sqs_client* sqs;  // null: HTTPS delivery only
  sns_verifier* verifier;
  event_sink& sink;
  marketplace_event_consumer_options options;
  asio::steady_timer wake;
  std::atomic<bool> stopped{false};
  bool running = false;

  std::mutex mutex;
  std::unordered_set<std::string> applied_ids;
  std::deque<std::string> applied_order;

  std::atomic<std::uint64_t> received{0}, applied{0}, ignored{0}, duplicates{0}, refused{0}, retried{0},
      delete_failures{0}, receive_failures{0};

  impl(asio::any_io_executor e, sqs_client* s, sns_verifier* v, event_sink& k,
       marketplace_event_consumer_options o)
      : ex(e), sqs(s), verifier(v), sink(k), options(std::move(o)), wake(e) {}

  bool seen(const std::string& id) {
    std::lock_guard lock(mutex);
    return applied_ids.count(id) != 0;
  }

  void remember(const std::string& id) {
    std::lock_guard lock(mutex);
    if (!applied_ids.insert(id).second) return;
    applied_order.push_back(id);
    while (applied_order.size() > options.remembered_events) {
      applied_ids.erase(applied_order.front());
      applied_order.pop_front();
    }
  }

  handled_event refuse(event_refusal why, std::string reason) {
    refused.fetch_add(1, std::memory_order_relaxed);
    detail::log(log_level::warning, std::string("awsmp events: message refused (") +
                                        std::string(to_string(why)) + "): " + reason);
    handled_event h;
    h.outcome = event_outcome::refused;
    h.refusal = why;
    h.reason = std::move(reason);
    return h;
  }

  // Applies one verified event; returns false when there was nothing to do.
  awaitable<bool> apply(marketplace_event ev) {
    using k = marketplace_event_kind;
    const time_point when = ev.time;
    // The licenses concerned: the event's own, else (agreement events) those known for the account.
    std::vector<billed_customer> targets;
    if (ev.customer.is_account() || !ev.customer.customer_identifier.empty()) {
      targets.push_back(ev.customer);
    } else if (ev.kind == k::agreement_amended || ev.kind == k::agreement_ended) {
      std::string account = ev.account_id;
      targets = co_await sink.licenses_of(std::move(account));
    }
    // Arguments are named before each co_await (g++ 12 destroys temporaries in a co_await
    // expression twice).
    auto activate = [&](const billed_customer& who) {
      billed_customer w = who;
      std::string product = ev.product_code;
      return sink.activate(std::move(w), std::move(product), when);
    };
    auto bill_now = [&](const billed_customer& who) {
      billed_customer w = who;
      return sink.bill_now(std::move(w), when);
    };
    auto settle = [&](const billed_customer& who) {
      billed_customer w = who;
      return sink.settle_and_deactivate(std::move(w), when);
    };
    auto sync = [&](const billed_customer& who) {
      billed_customer w = who;
      return sink.sync_entitlements(std::move(w));
    };
    switch (ev.kind) {
      case k::subscribe_success:
      case k::agreement_created:
        if (targets.empty()) co_return false;  // no license named: License Updated will activate it
        for (const auto& who : targets) co_await activate(who);
        co_return true;
      case k::license_updated:
        for (const auto& who : targets) {
          co_await activate(who);
          co_await sync(who);
        }
        co_return true;
      case k::unsubscribe_pending:
      case k::agreement_ended:
        for (const auto& who : targets) co_await bill_now(who);
        co_return !targets.empty();
      case k::unsubscribe_success:
      case k::license_deprovisioned:
        for (const auto& who : targets) co_await settle(who);
        co_return true;
      case k::entitlement_updated:
      case k::agreement_amended:
        for (const auto& who : targets) co_await sync(who);
        co_return !targets.empty();
      case k::subscribe_fail:
      case k::subscription_confirmation:
      case k::unsubscribe_confirmation:
        co_return false;
    }
    co_return false;
  }
};

namespace {

void check_options(const marketplace_event_consumer_options& options, bool queue) {
  if (queue && options.queue_url.empty()) detail::throw_invalid_argument("queue_url", "required");
  if (options.wait_time_seconds < 0 || options.wait_time_seconds > 20)
    detail::throw_invalid_argument("wait_time_seconds", "must be 0..20");
  if (options.max_messages < 1 || options.max_messages > 10)
    detail::throw_invalid_argument("max_messages", "must be 1..10");
  if (options.remembered_events == 0)
    detail::throw_invalid_argument("remembered_events", "must be at least 1");
}

}  // namespace

marketplace_event_consumer::marketplace_event_consumer(asio::any_io_executor ex, sqs_client& sqs,
                                                       sns_verifier* verifier, event_sink& sink,
                                                       marketplace_event_consumer_options options) {
  check_options(options, true);
  impl_ = std::make_unique<impl>(std::move(ex), &sqs, verifier, sink, std::move(options));
}

marketplace_event_consumer::marketplace_event_consumer(asio::any_io_executor ex, sns_verifier* verifier,
                                                       event_sink& sink,
                                                       marketplace_event_consumer_options options) {
  check_options(options, false);
  impl_ = std::make_unique<impl>(std::move(ex), nullptr, verifier, sink, std::move(options));
}

marketplace_event_consumer::~marketplace_event_consumer() = default;

awaitable<event_outcome> marketplace_event_consumer::handle(std::string body) {
  const handled_event h = co_await handle_detailed(std::move(body));
  co_return h.outcome;
}

awaitable<handled_event> marketplace_event_consumer::handle_detailed(std::string body) {
  impl& d = *impl_;
  if (body.size() > max_event_bytes)
    co_return d.refuse(event_refusal::too_large, "the message is larger than 256 KiB");
  verified_event v;
  switch (classify(body)) {
    case body_kind::malformed:
      co_return d.refuse(event_refusal::malformed, "the message is not a JSON object");
    case body_kind::unknown:
      co_return d.refuse(event_refusal::unknown_event, "neither an SNS envelope nor an EventBridge event");
    case body_kind::sns:
      if (!d.verifier)
        co_return d.refuse(event_refusal::unknown_event, "an SNS envelope, but no sns_verifier was given");
      v = co_await d.verifier->verify(std::move(body));
      break;
    case body_kind::eventbridge:
      // EventBridge events reach the queue through the seller's own rule; the queue policy is
      // what authenticates them (they carry no signature).
      try {
        v.event = parse_eventbridge_event(body);
      } catch (const std::exception& e) {
        const std::string what = e.what();
        const bool unknown = what.rfind("detail-type", 0) == 0 || what.rfind("source", 0) == 0;
        v.refusal = unknown ? event_refusal::unknown_event : event_refusal::malformed;
        v.reason = what;
      }
      if (v.ok() && !d.options.expected_seller_account.empty() &&
          v.event.seller_account != d.options.expected_seller_account) {
        v.refusal = event_refusal::wrong_account;
        v.reason = "the event was sent to another seller account";
      }
      break;
  }
  if (!v.ok()) co_return d.refuse(v.refusal, v.reason);
  if (!d.options.expected_product_code.empty() && !v.event.product_code.empty() &&
      v.event.product_code != d.options.expected_product_code)
    co_return d.refuse(event_refusal::wrong_product, "the event is for another product code");
  handled_event h;
  h.verified = true;
  h.event = v.event;
  if (d.seen(v.event.dedup_id)) {
    d.duplicates.fetch_add(1, std::memory_order_relaxed);
    h.outcome = event_outcome::duplicate;
    co_return h;
  }
  const std::string dedup_id = v.event.dedup_id;
  const std::string kind(to_string(v.event.kind));
  bool did_something = false;
  std::string failure;
  try {
    did_something = co_await d.apply(std::move(v.event));
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) throw;
    failure = e.what();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    d.retried.fetch_add(1, std::memory_order_relaxed);
    detail::log(log_level::warning,
                "awsmp events: applying " + kind + " failed, left for redelivery: " + failure);
    h.outcome = event_outcome::retry;
    h.reason = std::move(failure);
    co_return h;
  }
  d.remember(dedup_id);
  if (!did_something) {
    d.ignored.fetch_add(1, std::memory_order_relaxed);
    h.outcome = event_outcome::ignored;
    co_return h;
  }
  d.applied.fetch_add(1, std::memory_order_relaxed);
  h.outcome = event_outcome::applied;
  co_return h;
}

awaitable<std::size_t> marketplace_event_consumer::poll_once() {
  impl& d = *impl_;
  if (!d.sqs)
    detail::throw_invalid_argument("marketplace_event_consumer", "has no queue (HTTPS delivery only)");
  sqs_receive_options r;
  r.max_messages = d.options.max_messages;
  r.wait_time_seconds = d.options.wait_time_seconds;
  r.visibility_timeout = d.options.visibility_timeout;
  std::string url = d.options.queue_url;
  const std::vector<sqs_message> messages = co_await d.sqs->receive_message(std::move(url), r);
  for (const auto& m : messages) {
    d.received.fetch_add(1, std::memory_order_relaxed);
    event_outcome outcome;
    if (!m.defect.empty()) {
      outcome = d.refuse(m.defect.find("larger") != std::string::npos ? event_refusal::too_large
                                                                      : event_refusal::malformed,
                         "SQS message " + m.message_id + ": " + m.defect)
                    .outcome;
    } else {
      std::string body = m.body;
      outcome = co_await handle(std::move(body));
    }
    if (outcome == event_outcome::refused || outcome == event_outcome::retry)
      continue;  // the redrive policy decides
    // Deleted only now: the effect is durable (the sink returned), so a redelivery after a
    // crash here is harmless (idempotent sink, dedup id remembered).
    try {
      std::string queue = d.options.queue_url;
      std::string handle_copy = m.receipt_handle;
      co_await d.sqs->delete_message(std::move(queue), std::move(handle_copy));
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::operation_aborted) throw;
      d.delete_failures.fetch_add(1, std::memory_order_relaxed);
      detail::log(
          log_level::warning,
          std::string("awsmp events: DeleteMessage failed (the message will come back): ") + e.what());
    }
  }
  co_return messages.size();
}

awaitable<void> marketplace_event_consumer::run() {
  using namespace asio::experimental::awaitable_operators;
  impl& d = *impl_;
  if (d.stopped.load()) detail::throw_error(errc::stopped, "marketplace_event_consumer: stopped");
  if (!d.sqs)
    detail::throw_invalid_argument("marketplace_event_consumer", "has no queue (HTTPS delivery only)");
  d.running = true;
  while (!d.stopped.load()) {
    // Both branches always succeed (the poll reports its failure as a value, the timer's
    // cancellation is a value too): `||` waits for one *success*, so a throwing branch would
    // leave run() waiting on the other one.
    d.wake.expires_at(asio::steady_timer::time_point::max());
    auto poll = guarded_poll(*this);
    auto woken = d.wake.async_wait(asio::as_tuple(asio::use_awaitable));
    auto both = std::move(poll) || std::move(woken);
    const auto result = co_await std::move(both);
    if (d.stopped.load()) break;
    const std::exception_ptr failure = result.index() == 0 ? std::get<0>(result) : nullptr;
    if (!failure) continue;
    std::string why = "unknown error";
    bool aborted = false;
    try {
      std::rethrow_exception(failure);
    } catch (const boost::system::system_error& e) {
      aborted = e.code() == asio::error::operation_aborted;
      why = e.what();
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
    }
    if (aborted) continue;
    d.receive_failures.fetch_add(1, std::memory_order_relaxed);
    detail::log(log_level::warning, "awsmp events: ReceiveMessage failed: " + why);
    // A pause, so that an unreachable queue does not become a busy loop; stop() ends it.
    d.wake.expires_after(d.options.receive_error_backoff);
    co_await d.wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  d.running = false;
}

void marketplace_event_consumer::stop() noexcept {
  impl* d = impl_.get();
  d->stopped.store(true);
  try {
    asio::post(d->ex, [d] { d->wake.cancel(); });
  } catch (...) {
  }
}

marketplace_event_consumer_stats marketplace_event_consumer::stats() const noexcept {
  const impl& d = *impl_;
  marketplace_event_consumer_stats s;
  s.received = d.received.load();
  s.applied = d.applied.load();
  s.ignored = d.ignored.load();
  s.duplicates = d.duplicates.load();
  s.refused = d.refused.load();
  s.retried = d.retried.load();
  s.delete_failures = d.delete_failures.load();
  s.receive_failures = d.receive_failures.load();
  return s;
}

}  // namespace awsmp
