// Helpers shared by the state tests (stores, lifecycle, concurrency_state, integration/stores).
// TODO(lead): migrate to tests/support: run -> tests/support/run_sync.hpp, temp_dir ->
// tests/support/temp_dir.hpp, manual_clock -> tests/support/manual_clock.hpp.
#pragma once

#include <unistd.h>

#include <atomic>
#include <awsmp/common.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/error.hpp>
#include <awsmp/sqlite_store.hpp>
#include <awsmp/subscription_store.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>

namespace awsmp::test {

/// Runs one awaitable to completion on `ctx` (single-threaded) and returns its result or
/// rethrows its exception. Other work may stay pending (e.g. a read held at a test's gate);
/// an awaitable that can never complete fails with std::runtime_error instead of hanging.
template <class T>
T run(asio::io_context& ctx, awaitable<T> a) {
  auto fut = asio::co_spawn(ctx, std::move(a), asio::use_future);
  ctx.restart();
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (ctx.run_one() == 0)
      throw std::runtime_error("the io_context ran out of work before the awaitable completed");
  }
  return fut.get();
}

/// A fresh directory under the system temp dir, removed with everything in it at the end.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("awsmp-state-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(counter++) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A settable wall clock for the clock_function parameters; thread-safe.
class manual_clock {
 public:
  explicit manual_clock(time_point start = time_point(std::chrono::hours(24 * 365 * 56))) : now_(start) {}
  time_point now() const {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mutex_);
    now_ += std::chrono::duration_cast<time_point::duration>(d);
  }
  clock_function function() {
    return [this] { return now(); };
  }

 private:
  mutable std::mutex mutex_;
  time_point now_;
};

/// The errc carried by a system_error, for BOOST_CHECK_EXCEPTION predicates.
inline auto has_code(errc code) {
  return [code](const boost::system::system_error& e) { return e.code() == make_error_code(code); };
}

/// Options for a store at `path`, everything else defaulted.
inline sqlite_store_options sqlite_options(std::filesystem::path path) {
  sqlite_store_options o;
  o.path = std::move(path);
  return o;
}

/// The two store backends behind one face, so that every store test runs on both.
struct memory_backend {
  static constexpr const char* name = "memory";
  explicit memory_backend(asio::io_context& ctx) : ents(ctx.get_executor()), subs(ctx.get_executor()) {}
  entitlement_store& entitlements() { return ents; }
  subscription_store& subscriptions() { return subs; }
  memory_entitlement_store ents;
  memory_subscription_store subs;
};

struct sqlite_backend {
  static constexpr const char* name = "sqlite";
  explicit sqlite_backend(asio::io_context& ctx)
      : store(ctx.get_executor(), sqlite_options(dir.path() / "state.db")) {}
  entitlement_store& entitlements() { return store.entitlements(); }
  subscription_store& subscriptions() { return store.subscriptions(); }
  temp_dir dir;
  sqlite_store store;
};

}  // namespace awsmp::test
