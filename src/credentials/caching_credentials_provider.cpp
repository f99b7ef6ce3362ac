#include <awsmp/caching_credentials_provider.hpp>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log_line.hpp"

namespace awsmp {

// One refresh in progress: the callers who arrive meanwhile wait on `done`, which never
// expires and is cancelled when the refresh has a result.
struct caching_credentials_provider::flight {
  explicit flight(const asio::strand<asio::any_io_executor>& strand) : done(strand) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer done;
  std::shared_ptr<const credentials> result;
  std::exception_ptr error;
};

namespace {
// After a failed refresh while still-valid credentials are cached, wait this long before the
// next attempt so that an outage of the source is not hammered by every request.
constexpr std::chrono::seconds failed_refresh_pause{10};
}  // namespace

caching_credentials_provider::caching_credentials_provider(asio::any_io_executor ex,
                                                           credentials_provider& inner,
                                                           caching_credentials_options options)
    : strand_(asio::make_strand(ex)), inner_(inner), options_(std::move(options)) {}

caching_credentials_provider::caching_credentials_provider(asio::any_io_executor ex,
                                                           std::unique_ptr<credentials_provider> inner,
                                                           caching_credentials_options options)
    : strand_(asio::make_strand(ex)),
      owned_(std::move(inner)),
      inner_(owned_ ? *owned_
                    : throw boost::system::system_error(make_error_code(errc::invalid_argument),
                                                        "inner: must not be null")),
      options_(std::move(options)) {}

caching_credentials_provider::~caching_credentials_provider() = default;

time_point caching_credentials_provider::now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

time_point caching_credentials_provider::refresh_time(const credentials& creds, time_point fetched) const {
  if (!creds.expiration) return time_point::max();
  const auto expiration = *creds.expiration;
  if (expiration - options_.refresh_margin > fetched) return expiration - options_.refresh_margin;
  // Already inside the margin when fetched (a source that hands out short-lived credentials):
  // use them for half their remaining life rather than refetching on every call.
  if (expiration > fetched) return fetched + (expiration - fetched) / 2;
  return fetched;
}

awaitable<credentials> caching_credentials_provider::get() {
  const auto snapshot = co_await get_shared();
  co_return *snapshot;
}

awaitable<std::shared_ptr<const credentials>> caching_credentials_provider::get_shared() {
  co_return co_await asio::co_spawn(strand_, get_on_strand(), asio::use_awaitable);
}

awaitable<void> caching_credentials_provider::invalidate() {
  co_await asio::co_spawn(
      strand_,
      [this]() -> awaitable<void> {
        cached_.reset();
        refresh_at_ = {};
        co_return;
      },
      asio::use_awaitable);
}

std::uint64_t caching_credentials_provider::refreshes() const noexcept {
  return refreshes_.load(std::memory_order_relaxed);
}

namespace {
bool is_cancellation(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& se) {
    return se.code() == asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}
}  // namespace

awaitable<std::shared_ptr<const credentials>> caching_credentials_provider::get_on_strand() {
  for (;;) {
    if (cached_ && now() < refresh_at_) co_return cached_;
    if (!flight_) break;
    auto f = flight_;
    co_await f->done.async_wait(asio::as_tuple(asio::use_awaitable));
    if (f->result) co_return f->result;
    // The caller that led the refresh was cancelled: that is not this caller's failure, so it
    // looks again (and may lead the next refresh).
    if (f->error && is_cancellation(f->error)) continue;
    if (f->error) std::rethrow_exception(f->error);
    // Woken without a result: this waiter itself was cancelled.
    throw boost::system::system_error(asio::error::operation_aborted);
  }

  auto f = std::make_shared<flight>(strand_);
  flight_ = f;
  refreshes_.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<const credentials> fresh;
  std::exception_ptr error;
  try {
    fresh = co_await inner_.get_shared();
  } catch (...) {
    error = std::current_exception();
  }

  const auto fetched = now();
  if (fresh) {
    if (fresh->expiration && *fresh->expiration <= fetched)
      detail::log(log_level::warning,
                  "credentials: the provider returned credentials that have already expired");
    cached_ = fresh;
    refresh_at_ = refresh_time(*fresh, fetched);
    f->result = std::move(fresh);
  } else if (cached_ && (!cached_->expiration || fetched < *cached_->expiration)) {
    std::string reason = "unknown error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      reason = e.what();
    } catch (...) {
    }
    detail::log(log_level::warning,
                "credentials: refresh failed, using the cached credentials until they expire: " + reason);
    refresh_at_ = cached_->expiration ? std::min(*cached_->expiration, fetched + failed_refresh_pause)
                                      : fetched + failed_refresh_pause;
    f->result = cached_;
  } else {
    cached_.reset();
    f->error = error;
  }
  flight_.reset();
  f->done.cancel();
  if (f->result) co_return f->result;
  std::rethrow_exception(f->error);
}

}  // namespace awsmp
